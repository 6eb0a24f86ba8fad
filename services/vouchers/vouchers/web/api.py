"""The vouchers JSON API: thin: parse, check who may, call a handler, render."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date
from typing import Any

from flask import current_app
from flask_smorest import Blueprint, abort

from catalogue.programmes import Programme, UnknownProgramme
from kernel.domain.actors import Actor
from kernel.web.auth import Principal, current_principal, require
from kernel.web.embedded import newest_first, with_head
from kernel.web.paging import page_body, page_schema, sequence_page
from vouchers import handlers
from vouchers.bootstrap import Deps
from vouchers.domain import Refused
from vouchers.domain import figures as fig
from vouchers.domain import providers as prov
from vouchers.domain.providers import ApplyAsProvider
from vouchers.domain.vouchers import CITIZEN, Conflict, DeliveryReport, GrantVoucher, Voucher
from vouchers.web.schemas import (
    PROGRAMMES_ORDER,
    ApplicationSchema,
    BudgetOut,
    ChoiceSchema,
    ComparisonOut,
    DecisionSchema,
    DefaultProviderSchema,
    DeliverySchema,
    EmbeddedQuerySchema,
    GrantSchema,
    MyVouchersQuerySchema,
    OutcomeSchema,
    PaymentOut,
    PaymentRunOut,
    PaymentRunSchema,
    PaymentsQuerySchema,
    ProgrammeOut,
    ProgrammesQuerySchema,
    ProviderHistoryEntryOut,
    ProviderOut,
    ProvidersQuerySchema,
    PublicProviderOut,
    QualitySchema,
    RedemptionOut,
    TenureOut,
    VoucherHistoryEntryOut,
    VoucherOut,
    YearQuerySchema,
    organisation_number,
)

blp = Blueprint("vouchers", __name__, url_prefix="/api/v1", description="Customer-choice vouchers")
PUBLIC_PROVIDER_FIELDS = (
    "_id",
    "programme",
    "name",
    "ownership",
    "categories",
    "description",
    "website",
    "status",
    "quality",
)


def deps() -> Deps:
    return current_app.extensions["vouchers.deps"]


def today() -> date:
    return deps().clock().date()


def actor() -> Actor:
    """Who takes the step: the signed-in caller by issuer and subject (their name shown)."""
    who = current_principal().actor
    if who is None:
        abort(403, message="Only a signed-in caller can take this step.")
    return who


def scope(permission: str) -> str | None:
    _, matrix = current_app.extensions["kernel.web.auth"]
    return matrix.scope(current_principal(), permission)


@contextmanager
def refusals() -> Any:
    """The domain's refusals as HTTP answers: 422 naming the field at fault, 409 for a
    state that does not allow the step or a report id used before, 404 for what is not there."""
    try:
        yield
    except Conflict as exc:
        abort(409, message=str(exc), errors={"json": {exc.field or "_schema": [str(exc)]}})
    except Refused as exc:
        if exc.field:
            abort(422, message=str(exc), errors={"json": {exc.field: [str(exc)]}})
        abort(409, message=str(exc))
    except UnknownProgramme as exc:
        abort(404, message=str(exc))
    except LookupError as exc:
        abort(404, message=str(exc).capitalize() + ".")


def programme_or_404(programme_id: str) -> Programme:
    with refusals():
        return deps().programmes.get(programme_id)


def programme_out(programme: Programme) -> dict[str, Any]:
    return {
        **programme.__dict__,
        "categories": list(programme.categories.values()),
        "default_provider_id": deps().read.default_provider_id(programme.id),
    }


# -- programmes and providers -------------------------------------------------------------


@blp.route("/programmes", methods=["GET"])
@require("programmes.read")
@blp.arguments(ProgrammesQuerySchema, location="query")
@blp.response(200, page_schema(ProgrammeOut))
def list_programmes(query: dict[str, Any]) -> dict[str, Any]:
    """The voucher programmes, their categories, amounts and approval criteria, by id."""
    programmes = [programme_out(p) for p in deps().programmes]
    return page_body(sequence_page(programmes, query["page"], PROGRAMMES_ORDER))


@blp.route("/programmes/<string:programme_id>", methods=["GET"])
@require("programmes.read")
@blp.response(200, ProgrammeOut)
def get_programme(programme_id: str) -> dict[str, Any]:
    return programme_out(programme_or_404(programme_id))


@blp.route("/programmes/<string:programme_id>/providers", methods=["GET"])
@require("programmes.read")
@blp.arguments(ProvidersQuerySchema, location="query")
@blp.response(200, page_schema(PublicProviderOut))
def programme_providers(query: dict[str, Any], programme_id: str) -> dict[str, Any]:
    """The programme's approved providers, by name: what a citizen chooses between."""
    programme_or_404(programme_id)
    return page_body(deps().read.providers_page(programme_id, ["approved"], query["page"]))


def own_organisation(principal: Principal, given: str | None) -> str:
    """Which organisation a provider acts for: the one given, if it is theirs, or their only one."""
    orgs = sorted(principal.organisations)
    if given:
        number = organisation_number(given)
        if number not in principal.organisations:
            abort(403, message="You may only apply for your own organisation.")
        return number
    if len(orgs) != 1:
        abort(
            422,
            message="Say which organisation applies.",
            errors={"json": {"organisation_number": ["Required."]}},
        )
    return orgs[0]


@blp.route("/programmes/<string:programme_id>/applications", methods=["POST"])
@require("provider.apply")
@blp.arguments(ApplicationSchema)
@blp.response(201, ProviderOut)
@blp.alt_response(409, description="The organisation already has an application or approval")
def apply(body: dict[str, Any], programme_id: str) -> dict[str, Any]:
    """A provider applies to a programme (municipal, private and non-profit alike)."""
    programme_or_404(programme_id)
    if scope("provider.apply") == "own":
        number = own_organisation(current_principal(), body.get("organisation_number"))
    elif body.get("organisation_number"):
        number = organisation_number(body["organisation_number"])
    else:
        abort(
            422,
            message="Say which organisation applies.",
            errors={"json": {"organisation_number": ["Required."]}},
        )
    command = ApplyAsProvider(
        programme=programme_id,
        organisation_number=number,
        name=body["name"].strip(),
        ownership=body["ownership"],
        categories=body["categories"],
        contact_email=body["contact_email"],
        description=body["description"].strip(),
        website=body["website"],
    )
    with refusals():
        provider_id = handlers.apply_as_provider(deps(), command)
    return provider_out(deps().read.provider(provider_id))  # type: ignore[arg-type]


def provider_out(doc: dict[str, Any]) -> dict[str, Any]:
    """A provider's full record as the API answers it: of its history only the newest
    decisions, with their count and the link to the older ones."""
    return with_head(doc, "history", f"{blp.url_prefix}/providers/{doc['_id']}/history")


def may_read_in_full(doc: dict[str, Any]) -> bool:
    """Whether the caller may read the provider's full record: the municipality any, a
    provider only its own."""
    may = scope("provider.read")
    return may == "all" or (may == "own" and doc["organisation_number"] in current_principal().organisations)


def readable_provider(provider_id: str) -> dict[str, Any]:
    """The provider's full record, if the caller may read it (another's is not told apart
    from none)."""
    doc = provider_or_404(provider_id)
    if not may_read_in_full(doc):
        abort(404, message=f"No provider {provider_id}.")
    return doc


def provider_or_404(provider_id: str) -> dict[str, Any]:
    doc = deps().read.provider(provider_id)
    if doc is None:
        abort(404, message=f"No provider {provider_id}.")
    return doc  # type: ignore[return-value]


@blp.route("/providers/<string:provider_id>", methods=["GET"])
@require("programmes.read")
@blp.response(200, ProviderOut)
def get_provider(provider_id: str) -> dict[str, Any]:
    """A provider's public profile; the municipality and the provider itself also see its
    decisions and contact."""
    doc = provider_or_404(provider_id)
    if may_read_in_full(doc):
        return provider_out(doc)
    if doc["status"] not in ("approved", "suspended"):
        abort(404, message=f"No provider {provider_id}.")
    return {k: doc[k] for k in PUBLIC_PROVIDER_FIELDS if k in doc}


@blp.route("/providers/<string:provider_id>/history", methods=["GET"])
@require("provider.read")
@blp.arguments(EmbeddedQuerySchema, location="query")
@blp.response(200, page_schema(ProviderHistoryEntryOut))
def provider_history(query: dict[str, Any], provider_id: str) -> dict[str, Any]:
    """The provider's decisions with reasons, newest first (a provider sees its own)."""
    doc = readable_provider(provider_id)
    return page_body(newest_first(doc["history"], query["page"]))


@blp.route("/providers/<string:provider_id>/decisions", methods=["POST"])
@require("provider.decide")
@blp.arguments(DecisionSchema)
@blp.response(200, ProviderOut)
@blp.alt_response(409, description="Not allowed in the provider's current status")
def decide(body: dict[str, Any], provider_id: str) -> dict[str, Any]:
    """Approve or reject an application against the criteria; suspend, reinstate or revoke an approval."""
    provider_or_404(provider_id)
    with refusals():
        handlers.decide_on_provider(deps(), provider_id, body["decision"], body["reason"], actor())
    return provider_out(provider_or_404(provider_id))


@blp.route("/providers/<string:provider_id>/quality", methods=["POST"])
@require("provider.decide")
@blp.arguments(QualitySchema)
@blp.response(200, ProviderOut)
def record_quality(body: dict[str, Any], provider_id: str) -> dict[str, Any]:
    """Record a quality result (e.g. a survey score) that the comparison publishes."""
    provider_or_404(provider_id)
    with refusals():
        handlers.record_quality(deps(), provider_id, body["measure"], body["value"], body["period"], actor())
    return provider_out(provider_or_404(provider_id))


@blp.route("/programmes/<string:programme_id>/default-provider", methods=["PUT"])
@require("provider.decide")
@blp.arguments(DefaultProviderSchema)
@blp.response(200, ProgrammeOut)
def default_provider(body: dict[str, Any], programme_id: str) -> dict[str, Any]:
    """Designate the default provider (ickevalsalternativ) for citizens who do not choose."""
    programme = programme_or_404(programme_id)
    with refusals():
        handlers.designate_default(deps(), programme_id, body["provider_id"])
    return programme_out(programme)


# -- vouchers ----------------------------------------------------------------------------


VOUCHER_LISTS = ("history", "tenures")


def voucher_out(doc: dict[str, Any], on: date) -> dict[str, Any]:
    """The voucher with its provider and its balance in the period of `on`; of its history
    and tenures only the newest entries, with their count and the link to the older ones."""
    voucher = Voucher.from_document(doc)
    left = voucher.units_left(on)
    used = voucher.units_per_period - left
    resource = doc
    for name in VOUCHER_LISTS:
        resource = with_head(resource, name, f"{blp.url_prefix}/vouchers/{doc['_id']}/{name}")
    return {
        **resource,
        "provider_id": voucher.provider_on(on),
        "balance": {
            "period": voucher.period_key(on),
            "units_granted": voucher.units_per_period,
            "units_used": used,
            "units_left": left,
            "value_left_ore": voucher.period_value_ore - voucher.value_of(used),
        },
    }


def readable_voucher(voucher_id: str, permission: str) -> dict[str, Any]:
    """The voucher, if the caller may: the municipality any, a citizen only their own
    (another's is not told apart from none)."""
    doc = deps().read.voucher(voucher_id)
    may = scope(permission)
    if doc is not None and may == "own":
        number = current_principal().personal_number
        if not number or not deps().read.belongs_to(doc, number):
            doc = None
    if doc is None:
        abort(404, message=f"No voucher {voucher_id}.")
    return doc  # type: ignore[return-value]


@blp.route("/vouchers", methods=["POST"])
@require("voucher.grant")
@blp.arguments(GrantSchema)
@blp.response(201, VoucherOut)
def grant(body: dict[str, Any]) -> dict[str, Any]:
    """Grant a citizen a voucher; with a default provider, it serves until the citizen chooses."""
    programme = deps().programmes.by_id.get(body["programme"])
    if programme is None:
        abort(
            422,
            message="No such programme.",
            errors={"json": {"programme": [f"One of {', '.join(deps().programmes.by_id)}."]}},
        )
    if body["category"] not in programme.categories:
        abort(
            422,
            message="No such category.",
            errors={"json": {"category": [f"One of {', '.join(programme.categories)}."]}},
        )
    command = GrantVoucher(
        programme=body["programme"],
        category=body["category"],
        personnummer=body["personnummer"],
        birth_date=body["birth_date"],
        email=body["email"],
        language=body["language"],
        units_per_period=body["units_per_period"],
        valid_from=body["valid_from"],
    )
    with refusals():
        voucher_id = handlers.grant_voucher(deps(), command, actor())
    return voucher_out(deps().read.voucher(voucher_id), today())  # type: ignore[arg-type]


@blp.route("/vouchers/<string:voucher_id>", methods=["GET"])
@require("voucher.read")
@blp.response(200, VoucherOut)
def get_voucher(voucher_id: str) -> dict[str, Any]:
    """A voucher with its balance in the current period and its history."""
    return voucher_out(readable_voucher(voucher_id, "voucher.read"), today())


@blp.route("/vouchers/<string:voucher_id>/history", methods=["GET"])
@require("voucher.read")
@blp.arguments(EmbeddedQuerySchema, location="query")
@blp.response(200, page_schema(VoucherHistoryEntryOut))
def voucher_history(query: dict[str, Any], voucher_id: str) -> dict[str, Any]:
    """The voucher's history (granted, choices, deliveries, bonus), newest first."""
    doc = readable_voucher(voucher_id, "voucher.read")
    return page_body(newest_first(doc["history"], query["page"]))


@blp.route("/vouchers/<string:voucher_id>/tenures", methods=["GET"])
@require("voucher.read")
@blp.arguments(EmbeddedQuerySchema, location="query")
@blp.response(200, page_schema(TenureOut))
def voucher_tenures(query: dict[str, Any], voucher_id: str) -> dict[str, Any]:
    """The providers the voucher has been with, newest first."""
    doc = readable_voucher(voucher_id, "voucher.read")
    return page_body(newest_first(doc["tenures"], query["page"]))


@blp.route("/my/vouchers", methods=["GET"])
@require("voucher.mine")
@blp.arguments(MyVouchersQuerySchema, location="query")
@blp.response(200, page_schema(VoucherOut))
def my_vouchers(query: dict[str, Any]) -> dict[str, Any]:
    """The signed-in citizen's vouchers, newest first."""
    number = current_principal().personal_number
    if not number:
        abort(403, message="Sign in with your personnummer (e-ID) to see your vouchers.")
    page = handlers.vouchers_of_citizen(deps(), number, query["page"])
    return page_body(page.map(lambda doc: voucher_out(doc, today())))


@blp.route("/vouchers/<string:voucher_id>/choice", methods=["POST"])
@require("voucher.choose")
@blp.arguments(ChoiceSchema)
@blp.response(200, VoucherOut)
@blp.alt_response(409, description="The voucher has run out")
def choose(body: dict[str, Any], voucher_id: str) -> dict[str, Any]:
    """Choose a provider, or switch to another from a date."""
    readable_voucher(voucher_id, "voucher.choose")
    # A citizen chooses only their own voucher, whose subject they are: the event names no one.
    by = CITIZEN if scope("voucher.choose") == "own" else actor()
    with refusals():
        handlers.choose_provider(deps(), voucher_id, body["provider_id"], body["effective_from"], by)
    return voucher_out(deps().read.voucher(voucher_id), today())  # type: ignore[arg-type]


def reporting_provider(voucher: dict[str, Any], delivered_on: date) -> str:
    """The provider the signed-in organisation is on this voucher's programme: the one
    holding the voucher on the day, when it has several."""
    ids = [
        prov.provider_id_for(voucher["programme"], org) for org in sorted(current_principal().organisations)
    ]
    if not ids:
        abort(403, message="Your sign-in names no organisation.")
    holding = Voucher.from_document(voucher).provider_on(delivered_on)
    return holding if holding in ids else ids[0]


@blp.route("/vouchers/<string:voucher_id>/deliveries", methods=["POST"])
@require("delivery.report")
@blp.arguments(DeliverySchema)
@blp.response(201, RedemptionOut)
@blp.alt_response(200, schema=RedemptionOut, description="The same report was redeemed before: its result")
@blp.alt_response(409, description="The report id was used for another delivery")
def report_delivery(body: dict[str, Any], voucher_id: str) -> tuple[dict[str, Any], int]:
    """Report delivered units against a voucher. Idempotent by the provider's report id:
    a report sent again is redeemed once."""
    voucher = deps().read.voucher(voucher_id)
    if voucher is None:
        abort(404, message=f"No voucher {voucher_id}.")
    report = DeliveryReport(
        provider_id=reporting_provider(voucher, body["delivered_on"]),  # type: ignore[arg-type]
        report_id=body["report_id"],
        units=body["units"],
        delivered_on=body["delivered_on"],
    )
    with refusals():
        redemption = handlers.report_delivery(deps(), voucher_id, report)
    return redemption.data, 201 if redemption.created else 200


@blp.route("/vouchers/<string:voucher_id>/outcome", methods=["POST"])
@require("outcome.record")
@blp.arguments(OutcomeSchema)
@blp.response(200, VoucherOut)
def outcome(body: dict[str, Any], voucher_id: str) -> dict[str, Any]:
    """Record that the citizen became self-supporting: the provider's outcome bonus, once due."""
    readable_voucher(voucher_id, "voucher.read")
    with refusals():
        handlers.grant_outcome_bonus(deps(), voucher_id, body["self_supporting_since"], actor())
    return voucher_out(deps().read.voucher(voucher_id), today())  # type: ignore[arg-type]


# -- payments and follow-up -----------------------------------------------------------------


@blp.route("/payment-runs", methods=["POST"])
@require("payments.run")
@blp.arguments(PaymentRunSchema)
@blp.response(200, PaymentRunOut)
def payment_run(body: dict[str, Any]) -> dict[str, Any]:
    """Pay every provider for what was recorded in a month that has ended; safe to run again."""
    with refusals():
        made = handlers.run_payments(deps(), body["month"])
    return {"month": body["month"], "payments": made}


@blp.route("/payments", methods=["GET"])
@require("payments.read")
@blp.arguments(PaymentsQuerySchema, location="query")
@blp.response(200, page_schema(PaymentOut))
def payments(query: dict[str, Any]) -> dict[str, Any]:
    """Payments with their lines, newest month first (a provider sees its own)."""
    provider_ids = None
    if scope("payments.read") == "own":
        provider_ids = [
            p["_id"] for p in deps().read.providers_of_organisations(current_principal().organisations)
        ]
    return page_body(deps().read.payments_for(query["month"], provider_ids, query["page"]))


@blp.route("/programmes/<string:programme_id>/budget", methods=["GET"])
@require("budget.read")
@blp.arguments(YearQuerySchema, location="query")
@blp.response(200, BudgetOut)
def budget(query: dict[str, Any], programme_id: str) -> dict[str, Any]:
    """Cost follow-up: redeemed and paid per month against the programme's budget, with a forecast."""
    programme = programme_or_404(programme_id)
    year = query["year"] or today().year
    redeemed, paid = deps().read.cost_by_month(programme_id, year)
    return fig.budget_follow_up(programme, year, redeemed, paid, today())


def comparison_for(programme: Programme) -> dict[str, Any]:
    """The published comparison as kept in the store (vouchers.readmodels.published)."""
    return current_app.extensions["vouchers.published"].comparison(programme.id)  # type: ignore[no-any-return]


@blp.route("/programmes/<string:programme_id>/comparison", methods=["GET"])
@require("programmes.read")
@blp.response(200, ComparisonOut)
def comparison(programme_id: str) -> dict[str, Any]:
    """Published results: every provider side by side (choosers, switching, waiting time,
    delivered versus granted units, quality results)."""
    return comparison_for(programme_or_404(programme_id))
