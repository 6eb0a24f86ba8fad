"""The vouchers JSON API of the vouchers and the money: granting, reading, choosing,
delivery reports and outcome bonuses; the payment run, payments, budget follow-up and the
published comparison. Routes on the API's blueprint (vouchers.web.api), as thin."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import current_app
from flask_smorest import abort

from catalogue.programmes import Programme
from kernel.web.auth import current_principal, require
from kernel.web.embedded import newest_first, with_head
from kernel.web.paging import page_body, page_schema
from vouchers import handlers
from vouchers.domain import figures as fig
from vouchers.domain import providers as prov
from vouchers.domain.redemptions import DeliveryReport
from vouchers.domain.voucher_state import Voucher
from vouchers.domain.vouchers import CITIZEN, GrantVoucher
from vouchers.web.api import actor, blp, deps, programme_or_404, refusals, scope, today
from vouchers.web.schemas import (
    BudgetOut,
    ChoiceSchema,
    ComparisonOut,
    DeliverySchema,
    EmbeddedQuerySchema,
    GrantSchema,
    MyVouchersQuerySchema,
    OutcomeSchema,
    PaymentOut,
    PaymentRunOut,
    PaymentRunSchema,
    PaymentsQuerySchema,
    RedemptionOut,
    TenureOut,
    VoucherHistoryEntryOut,
    VoucherOut,
    YearQuerySchema,
    signed_in_number,
)

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
        number = signed_in_number(current_principal().personal_number)
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
        name=body["name"],
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
    number = signed_in_number(current_principal().personal_number)
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


@blp.route("/vouchers/<string:voucher_id>/choice/switch", methods=["DELETE"])
@require("voucher.choose")
@blp.response(200, VoucherOut)
@blp.alt_response(409, description="No switch is scheduled (or it was cancelled already), or it took effect")
def cancel_switch(voucher_id: str) -> dict[str, Any]:
    """Cancel the voucher's scheduled switch of provider, before its day: the voucher stays
    with the provider it is with. Only the voucher's own citizen may."""
    if scope("voucher.choose") != "own":
        abort(403, message="Only the voucher's citizen can cancel their switch.")
    readable_voucher(voucher_id, "voucher.choose")
    with refusals():
        handlers.cancel_switch(deps(), voucher_id, CITIZEN)
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
