"""Pages for the people who run customer choice.

The voucher officer: the applications and every provider's status with the decisions
that status allows, granting a citizen a voucher, the month's payment run and each
programme's budget. The provider: the vouchers it holds today, reporting delivered
units against them, and its payments.

The forms check their input with the API's own schemas and go through the same
handlers, so a page and an API call can never disagree on what is allowed."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import fields
from typing import Any

from babel import Locale
from flask import abort, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError
from stdnum.se import orgnr

from kernel.eventsourcing.eventstore import ConcurrencyError
from kernel.web import formats
from kernel.web.auth import current_principal
from kernel.web.fields import without_control
from kernel.web.formats import number
from kernel.web.forms import form_errors
from kernel.web.i18n import kernel_text
from kernel.web.paging import Page, PageRequest, SortKey, page_or_first, pager_links
from kernel.web.signin import signed_in
from vouchers import handlers
from vouchers.domain import Refused
from vouchers.domain import figures as fig
from vouchers.domain.providers import DECISIONS, OWNERSHIPS, ApplyAsProvider, provider_id_for
from vouchers.domain.redemptions import DeliveryReport
from vouchers.domain.vouchers import GrantVoucher, grant_refusals
from vouchers.i18n import t
from vouchers.readmodels.projections import (
    GRANTED_ORDER,
    HELD_ORDER,
    PAYMENTS_ORDER,
    PROVIDERS_ORDER,
    VOUCHER_STATUSES,
)
from vouchers.web.api import actor
from vouchers.web.pages import deps, language, languages, pages, refusal, units
from vouchers.web.schemas import (
    ApplicationSchema,
    DecisionSchema,
    DefaultProviderSchema,
    DeliverySchema,
    GrantSchema,
    PaymentRunSchema,
    QualitySchema,
    message_key,
    valid_personnummer,
)
from vouchers.web.vouchers_api import voucher_out


class PageLists:
    """The several paged lists of one page: each at the page its own cursor parameter asks
    for, their links, and the words for a refused cursor or limit (that list's first page
    shown instead)."""

    def __init__(self) -> None:
        self.pagers: dict[str, dict[str, Any]] = {}
        self.refused: str | None = None

    def read(self, param: str, sort: SortKey, fetch: Callable[[PageRequest], Page[Any]]) -> list[Any]:
        page, refused = page_or_first(sort, request.args, fetch, param)
        self.refused = self.refused or refused
        self.pagers[param] = pager_links(page, param)
        return page.items


def org_format(value: str) -> str:
    """An organisation number as people write it (556016-0680)."""
    try:
        return str(orgnr.format(value))
    except Exception:  # one stored before the check: as it is
        return value


def decisions_from(status: str) -> list[str]:
    """The decisions an officer can take on a provider in this status."""
    return [decision for decision, (_, _, allowed_from) in DECISIONS.items() if status in allowed_from]


def in_words(message: str, lang: str) -> str:
    """One of the schemas' own English messages in the page's language (marshmallow's
    defaults are translated by kernel.web.forms)."""
    key = message_key(message)
    return t(key, lang) if key else message


def field_errors(exc: ValidationError) -> dict[str, str]:
    messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
    return {
        field: " ".join(t(str(text), language()) for text in (texts if isinstance(texts, list) else [texts]))
        for field, texts in messages.items()
    }


def form_field_errors(exc: ValidationError, order: Sequence[str] = ()) -> dict[str, list[str]]:
    """All of a form's errors, in its order and the page's language, by field."""
    lang = language()
    messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
    return form_errors(_mapped(messages, lambda m: in_words(m, lang)), order, lang)


def _mapped(value: Any, change: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return change(value)
    if isinstance(value, dict):
        return {k: _mapped(v, change) for k, v in value.items()}
    return [_mapped(v, change) for v in value]


def refusal_errors(exc: Refused, field: str | None = None) -> dict[str, list[str]]:
    return {field or exc.field or "_schema": [refusal(exc)]}


# -- the voucher officer --------------------------------------------------------------------


def email_languages() -> list[tuple[str, str]]:
    """The languages a grant's emails may be written in (the deployment's, as its pages'
    language switch offers them), each named in the page's language ("Dansk", "Engelsk")."""
    names = Locale.parse(formats.locale_of(language())).languages
    return [(code, names[code][:1].upper() + names[code][1:]) for code in languages()]


def officer_page(  # type: ignore[no-untyped-def]
    status: int = 200,
    month: str | None = None,
    grant: Any = None,
    errors: dict[str, list[str]] | None = None,
    error_in: str | None = None,
):
    """The officer's page; after a refused form, with its errors by field and what was typed."""
    d = deps()
    today = d.clock().date()
    programmes = list(d.programmes)
    budgets = {
        p.id: fig.budget_follow_up(p, today.year, *d.read.cost_by_month(p.id, today.year), today)
        for p in programmes
    }
    month = month or fig.previous_month(today)
    lists = PageLists()
    providers = {
        p.id: lists.read(
            f"providers_{p.id}", PROVIDERS_ORDER, lambda page, p=p: d.read.providers_page(p.id, None, page)
        )
        for p in programmes
    }
    payments = lists.read("payments", PAYMENTS_ORDER, lambda page: d.read.payments_for(month, None, page))
    approved = {p.id: d.read.providers_of(p.id, ["approved"]) for p in programmes}
    page = render_template(
        "officer.html",
        approved=approved,
        default_ids={p.id: d.read.default_provider_id(p.id) for p in programmes if p.default_provider},
        organisation_number=org_format,
        programmes=programmes,
        providers=providers,
        decisions_from=decisions_from,
        budgets=budgets,
        month=month,
        payments=payments,
        pagers=lists.pagers,
        paging_error=lists.refused,
        grant=grant or {},
        email_languages=email_languages(),
        errors=errors or {},
        error_in=error_in,
        new_grant_key=uuid.uuid4().hex,
    )
    return page, 422 if lists.refused and status == 200 else status


@pages.get("/officer")
@signed_in("provider.decide")
def officer():  # type: ignore[no-untyped-def]
    return officer_page(month=request.args.get("month"))


@pages.post("/officer/providers/<provider_id>/decision")
@signed_in("provider.decide")
def decide(provider_id: str):  # type: ignore[no-untyped-def]
    if deps().read.provider(provider_id) is None:
        abort(404)
    form = {k: request.form.get(k, "") for k in ("decision", "reason")}
    try:
        body = DecisionSchema().load(form)
        handlers.decide_on_provider(deps(), provider_id, body["decision"], body["reason"].strip(), actor())
    except ValidationError as exc:
        errors = form_field_errors(exc, ("decision", "reason"))
        return officer_page(422, grant=form, errors=for_provider(errors, provider_id), error_in=provider_id)
    except Refused as exc:
        errors = for_provider(refusal_errors(exc, exc.field or "decision"), provider_id)
        return officer_page(409, grant=form, errors=errors, error_in=provider_id)
    flash(t("decision_saved", language()))
    return redirect(url_for("pages.officer", lang=language()) + f"#provider-{provider_id}")


def for_provider(errors: dict[str, list[str]], provider_id: str) -> dict[str, list[str]]:
    """A form's errors by its fields' ids (one such form per provider or programme on the page)."""
    return {k if k == "_schema" else f"{k}-{provider_id}": v for k, v in errors.items()}


QUALITY_FIELDS = ("provider_id", "measure", "value", "period")


@pages.post("/officer/programmes/<programme_id>/quality")
@signed_in("provider.decide")
def record_quality(programme_id: str):  # type: ignore[no-untyped-def]
    """A quality result for one of the programme's providers (the API's schema and handler)."""
    programme = deps().programmes.by_id.get(programme_id) or abort(404)
    form = {k: request.form.get(k, "").strip() for k in QUALITY_FIELDS}
    where = f"quality-{programme.id}"
    errors: dict[str, Any] = {}
    provider = deps().read.provider(form["provider_id"]) if form["provider_id"] else None
    if provider is None or provider["programme"] != programme.id:
        errors["provider_id"] = [kernel_text("form.choice", language())]
    try:  # a decimal comma is a decimal point
        body = QualitySchema().load(
            {k: form[k].replace(",", ".") if k == "value" else form[k] for k in QUALITY_FIELDS[1:]}
        )
    except ValidationError as exc:
        body, errors = None, {**errors, **exc.messages}
    try:
        if errors:
            raise ValidationError(errors)
        assert body is not None
        handlers.record_quality(
            deps(), form["provider_id"], body["measure"], body["value"], body["period"], actor()
        )
    except ValidationError as exc:
        messages = for_provider(form_field_errors(exc, QUALITY_FIELDS), programme.id)
        return officer_page(422, grant=form, errors=messages, error_in=where)
    except Refused as exc:
        return officer_page(
            422, grant=form, errors=for_provider(refusal_errors(exc), programme.id), error_in=where
        )
    flash(t("quality_saved", language(), provider=provider["name"] if provider else ""))
    return redirect(url_for("pages.officer", lang=language()) + f"#programme-{programme.id}")


@pages.post("/officer/programmes/<programme_id>/default-provider")
@signed_in("provider.decide")
def choose_default(programme_id: str):  # type: ignore[no-untyped-def]
    """The programme's default provider (ickevalsalternativ), through the API's handler."""
    programme = deps().programmes.by_id.get(programme_id) or abort(404)
    if not programme.default_provider:
        abort(404)  # no such form on its page: a refusal there would be shown nowhere
    form = {"provider_id": request.form.get("provider_id", "").strip()}
    where = f"default-{programme.id}"
    try:
        body = DefaultProviderSchema().load(form)
        handlers.designate_default(deps(), programme.id, body["provider_id"])
    except ValidationError as exc:
        messages = form_field_errors(exc, ("provider_id",))
        messages = for_provider(
            {"default_provider": [m for ms in messages.values() for m in ms]}, programme.id
        )
        return officer_page(422, grant=form, errors=messages, error_in=where)
    except Refused as exc:
        errors = for_provider(refusal_errors(exc, "default_provider"), programme.id)
        return officer_page(422, grant=form, errors=errors, error_in=where)
    name = (deps().read.provider(body["provider_id"]) or {}).get("name", "")
    flash(t("default_saved", language(), provider=name))
    return redirect(url_for("pages.officer", lang=language()) + f"#programme-{programme.id}")


@pages.post("/officer/vouchers")
@signed_in("voucher.grant")
def grant():  # type: ignore[no-untyped-def]
    form = {k: request.form.get(k, "").strip() for k in GRANT_FIELDS}
    programme_id, _, category = form["programme_category"].partition("/")
    raw = {k: v for k, v in form.items() if v and k != "programme_category"}
    try:
        body = GrantSchema().load(raw | {"programme": programme_id, "category": category})
        errors = {}
    except ValidationError as exc:
        body, errors = None, dict(exc.messages)
    for field, messages in grant_rule_errors(programme_id, category, raw, body).items():
        errors.setdefault(field, messages)  # a field its schema refused: that message only
    if errors:
        messages = form_field_errors(ValidationError(errors), GRANT_FIELDS)
        return officer_page(422, grant=form, errors=messages, error_in="grant")
    assert body is not None
    command = GrantVoucher(**{f.name: body[f.name] for f in fields(GrantVoucher)})
    programme_name = deps().programmes.by_id[programme_id].name[language()]
    try:
        handlers.grant_voucher(deps(), command, actor(), grant_key(request.form.get("grant_key", "")))
    except Refused as exc:
        return officer_page(422, grant=form, errors=refusal_errors(exc), error_in="grant")
    except ConcurrencyError:  # the same form sent again: granted the first time
        flash(t("voucher_granted_before", language(), programme=programme_name))
        return redirect(url_for("pages.officer", lang=language()) + "#grant")
    flash(t("voucher_granted_for", language(), programme=programme_name))
    return redirect(url_for("pages.officer", lang=language()) + "#grant")


def grant_key(sent: str) -> str | None:
    """The grant form's idempotency key (a UUID the page wrote in it) as the voucher's id; a
    form without one (or with something else) grants a voucher of a new id."""
    try:
        return str(uuid.UUID(hex=sent.strip()))
    except ValueError:
        return None


def grant_rule_errors(
    programme_id: str, category: str, raw: dict[str, str], body: dict[str, Any] | None
) -> dict[str, list[str]]:
    """The programme's rules a grant breaks, besides what its schema says: all of them, so
    the form shows every error at once (the handler checks them again)."""
    programme = deps().programmes.by_id.get(programme_id)
    if programme is None or category not in programme.categories:
        return {"programme_category": [t("error.programme_category", language())]}
    birth = body["birth_date"] if body else None
    if birth is None and raw.get("personnummer"):
        try:
            birth = valid_personnummer(raw["personnummer"])[1]
        except ValidationError:
            birth = None
    try:
        units = int(raw["units_per_period"]) if "units_per_period" in raw else None
    except ValueError:
        return {}  # the schema said so
    today = deps().clock().date()
    valid_from = body.get("valid_from") if body else None
    errors: dict[str, list[str]] = {}
    for refused in grant_refusals(programme, programme.category(category), birth, units, today, valid_from):
        errors.setdefault(refused.field or "_schema", []).append(refusal(refused))
    return errors


GRANT_FIELDS = (
    "programme_category",
    "personnummer",
    "name",
    "email",
    "language",
    "units_per_period",
    "valid_from",
)


@pages.post("/officer/payment-runs")
@signed_in("payments.run")
def payment_run():  # type: ignore[no-untyped-def]
    month = request.form.get("month", "").strip()
    try:
        PaymentRunSchema().load({"month": month})
        made = handlers.run_payments(deps(), month)
    except ValidationError as exc:
        return officer_page(422, month=month, errors=form_field_errors(exc, ("month",)), error_in="payments")
    except Refused as exc:
        return officer_page(422, month=month, errors=refusal_errors(exc, "month"), error_in="payments")
    flash(f"{t('payments_made', language())}: {number(len(made), language())}")
    return redirect(url_for("pages.officer", month=month, lang=language()) + "#payments")


# -- the provider ---------------------------------------------------------------------------


def holder(voucher: dict[str, Any]) -> str:
    """Whose voucher, as a provider may see it: the citizen's initials (or that they were
    erased) and the voucher's period, "A. L., 1 jan. 2026 – 31 dec. 2026"; a voucher granted
    without a name, its period only. Never the citizen's name or the voucher's id."""
    lang = language()
    period = {k: formats.day(voucher[k], lang) for k in ("valid_from", "valid_until")}
    if voucher.get("holder_initials"):
        return t("holder_of", lang, holder=voucher["holder_initials"], **period)
    if voucher.get("personal_erased_on"):
        return t("holder_of", lang, holder=t("holder_erased", lang), **period)
    return f"{t('valid', lang)} {period['valid_from']} – {period['valid_until']}"


def own_providers() -> list[dict[str, Any]]:
    """The provider records (one per programme) of the signed-in provider's organisations."""
    organisations = sorted(current_principal().organisations)
    if not organisations:
        abort(403, description="Your sign-in names no organisation.")
    return deps().read.providers_of_organisations(organisations)


@pages.get("/provider")
@signed_in("delivery.report")
def provider_work():  # type: ignore[no-untyped-def]
    return provider_page()


def report_summary(errors: dict[str, Any], voucher_id: str) -> dict[str, list[str]]:
    """A refused delivery report's errors for its summary: each at its field's id on that
    voucher's form (`units-<voucher>`, `on-<voucher>`), any other without a link."""
    ids = {"units": f"units-{voucher_id}", "delivered_on": f"on-{voucher_id}"}
    summary: dict[str, list[str]] = {}
    for name, text in errors.items():
        said = text if isinstance(text, list) else [str(text)]
        summary.setdefault(ids.get(name, "_schema"), []).extend(said)
    return summary


def provider_page(  # type: ignore[no-untyped-def]
    status: int = 200,
    errors: dict[str, Any] | None = None,
    error_in: str | None = None,
    form: Any = None,
):
    """The provider's page; after a refused report, that voucher's form as it was sent (its
    report id too, so sending it again still reports the delivery once) with its errors;
    after a refused application (error_in "apply-<programme>"), that form as it was sent."""
    d = deps()
    today = d.clock().date()
    mine = own_providers()
    lists = PageLists()
    held = {
        p["_id"]: lists.read(
            f"held_{p['_id']}",
            HELD_ORDER,
            lambda page, p=p: d.read.vouchers_held_by(p["_id"], today, page).map(
                lambda v: voucher_out(v, today)
            ),
        )
        for p in mine
    }
    own_ids = [p["_id"] for p in mine]
    payments = lists.read("payments", PAYMENTS_ORDER, lambda page: d.read.payments_for(None, own_ids, page))
    page = render_template(
        "provider_work.html",
        providers=mine,
        held=held,
        pagers=lists.pagers,
        paging_error=lists.refused,
        programmes=d.programmes.by_id,
        openings=openings(mine),
        holder=holder,
        organisation_number=org_format,
        ownerships=OWNERSHIPS,
        payments=payments,
        today=today.isoformat(),
        new_report_id=lambda: uuid.uuid4().hex,
        report_summary=report_summary,
        errors=errors or {},
        error_in=error_in,
        form=form or {},
    )
    return page, 422 if lists.refused and status == 200 else status


@pages.post("/provider/<provider_id>/vouchers/<voucher_id>/deliveries")
@signed_in("delivery.report")
def report(provider_id: str, voucher_id: str):  # type: ignore[no-untyped-def]
    voucher = deps().read.voucher(voucher_id)
    if provider_id not in {p["_id"] for p in own_providers()} or voucher is None:
        abort(404)
    programme = deps().programmes.get(voucher["programme"])
    form = {k: request.form.get(k, "").strip() for k in ("report_id", "units", "delivered_on")}
    try:
        body = DeliverySchema().load(form)
        redemption = handlers.report_delivery(
            deps(),
            voucher_id,
            DeliveryReport(provider_id, body["report_id"], body["units"], body["delivered_on"]),
        )
    except ValidationError as exc:
        said = form_errors(exc.messages, ("units", "delivered_on", "report_id"), language())  # type: ignore[arg-type]
        return provider_page(422, {k: " ".join(v) for k, v in said.items()}, voucher_id, form)
    except Refused as exc:  # Conflict too: the report id was used for another delivery
        return provider_page(422, {exc.field or "_schema": refusal(exc, programme)}, voucher_id, form)
    lang = language()
    said = t("reported", lang) if redemption.created else t("reported_before", lang)
    category = programme.categories[voucher["category"]].label[lang]
    delivered = formats.day(redemption.data["delivered_on"], lang)
    counted = units(redemption.data["units"], programme)
    flash(f"{said}: {counted} ({delivered}), {category} · {holder(voucher)}")
    return redirect(url_for("pages.provider_work", lang=language()) + f"#voucher-{voucher_id}")


# statuses after which an organisation may apply to the programme again
MAY_APPLY_AGAIN = ("rejected", "revoked")
APPLY_FIELDS = (
    "organisation_number",
    "name",
    "ownership",
    "categories",
    "contact_email",
    "description",
    "website",
)


def openings(mine: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The programmes the signed-in provider's organisations are not approved for: for each,
    the organisations that may apply and those whose application awaits a decision."""
    organisations = sorted(current_principal().organisations)
    status = {(p["programme"], p["organisation_number"]): p["status"] for p in mine}
    found = []
    for programme in deps().programmes:
        said = [status.get((programme.id, org)) for org in organisations]
        may = [org for org, st in zip(organisations, said, strict=True) if st in (None, *MAY_APPLY_AGAIN)]
        pending = [org for org, st in zip(organisations, said, strict=True) if st == "applied"]
        if may or pending:
            found.append({"programme": programme, "may_apply": may, "pending": pending})
    return found


def application_form() -> dict[str, Any]:
    form: dict[str, Any] = {k: request.form.get(k, "").strip() for k in APPLY_FIELDS if k != "categories"}
    form["categories"] = [c.strip() for c in request.form.getlist("categories") if c.strip()]
    return form


def application_errors(form: dict[str, Any], programme: Any) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """The application as the API's schema reads it, and every error at once: the schema's,
    the organisation (one of the signed-in provider's own) and the programme's categories."""
    organisations = sorted(current_principal().organisations)
    errors: dict[str, Any] = {}
    if len(organisations) > 1 and form["organisation_number"] not in organisations:
        errors["organisation_number"] = [t("error.organisation", language())]
    if any(c not in programme.categories for c in form["categories"]):
        errors["categories"] = [t("error.categories", language())]
    raw = {k: v for k, v in form.items() if k != "organisation_number" and (v or k == "categories")}
    try:
        body = ApplicationSchema().load(raw)
    except ValidationError as exc:
        body = None
        for field, messages in dict(exc.messages).items():
            errors.setdefault(field, messages)
    if "categories" in errors and form["categories"] == []:
        errors["categories"] = [t("error.categories", language())]
    return body, errors


@pages.post("/provider/programmes/<programme_id>/applications")
@signed_in("provider.apply")
def apply(programme_id: str):  # type: ignore[no-untyped-def]
    """A provider applies to a programme from its page (the API's schema and handler): every
    error at once at its field; sent twice (Back and send again), one application."""
    programme = deps().programmes.by_id.get(programme_id) or abort(404)
    organisations = sorted(current_principal().organisations)
    if not organisations:
        abort(403, description="Your sign-in names no organisation.")
    form = application_form()
    where = f"apply-{programme.id}"
    body, errors = application_errors(form, programme)
    if errors:
        messages = for_provider(form_field_errors(ValidationError(errors), APPLY_FIELDS), programme.id)
        return provider_page(422, messages, where, form)
    assert body is not None
    number = form["organisation_number"] if len(organisations) > 1 else organisations[0]
    command = ApplyAsProvider(
        programme=programme.id,
        organisation_number=number,
        name=body["name"].strip(),
        ownership=body["ownership"],
        categories=body["categories"],
        contact_email=body["contact_email"],
        description=body["description"].strip(),
        website=body.get("website", ""),
    )
    provider_id = provider_id_for(programme.id, number)
    try:
        handlers.apply_as_provider(deps(), command)
    except Refused as exc:
        if handlers.load_provider(deps(), provider_id).status != "applied":
            field = exc.field if exc.field in APPLY_FIELDS else "_schema"
            said = [t("error.already_applied", language())] if field == "_schema" else [refusal(exc)]
            return provider_page(409, for_provider({field: said}, programme.id), where, form)
        # else: the same form sent again; its application awaits a decision
    flash(t("application_sent", language(), programme=programme.name[language()]))
    return redirect(url_for("pages.provider_work", lang=language()) + f"#apply-{programme.id}")


# -- the voucher officer's lists --------------------------------------------------------------


@pages.get("/officer/vouchers")
@signed_in("voucher.grant")
def granted_vouchers():  # type: ignore[no-untyped-def]
    """The granted vouchers, newest first: of a programme, by status, a page at a time."""
    return vouchers_page()


@pages.post("/officer/vouchers/search")
@signed_in("voucher.grant")
def search_vouchers():  # type: ignore[no-untyped-def]
    """A citizen's vouchers by personnummer (posted: a personnummer stays out of addresses
    and logs); the voucher holds no name to search by."""
    typed = request.form.get("personnummer", "").strip()
    try:
        personnummer = valid_personnummer(typed)[0]
    except ValidationError as exc:
        errors = form_field_errors(ValidationError({"personnummer": exc.messages}), ("personnummer",))
        return vouchers_page(422, typed=without_control(typed)[:40], errors=errors)
    found = handlers.vouchers_of_citizen(deps(), personnummer, PageRequest(limit=50)).items
    return vouchers_page(typed=typed, found=found)


def vouchers_page(  # type: ignore[no-untyped-def]
    status: int = 200,
    typed: str = "",
    errors: dict[str, list[str]] | None = None,
    found: list[dict[str, Any]] | None = None,
):
    d = deps()
    today = d.clock().date()
    programme = request.args.get("programme") or None
    state = request.args.get("status") or None
    if programme not in d.programmes.by_id:
        programme = None
    if state not in VOUCHER_STATUSES:
        state = None
    lists = PageLists()
    listed = lists.read(
        "cursor",
        GRANTED_ORDER,
        lambda page: d.read.vouchers_page(programme, state, today, page).map(lambda v: voucher_out(v, today)),
    )
    page = render_template(
        "officer_vouchers.html",
        programmes=d.programmes.by_id,
        programme=programme,
        state=state,
        statuses=VOUCHER_STATUSES,
        vouchers=listed,
        found=None if found is None else [voucher_out(v, today) for v in found],
        typed=typed,
        errors=errors or {},
        pagers=lists.pagers,
        paging_error=lists.refused,
        provider_name=lambda pid: (d.read.provider(pid) or {}).get("name", pid) if pid else None,
    )
    return page, 422 if lists.refused and status == 200 else status


@pages.get("/officer/applications")
@signed_in("provider.decide")
def applications():  # type: ignore[no-untyped-def]
    """The providers' applications awaiting a decision, in every programme."""
    d = deps()
    lists = PageLists()
    waiting = {
        p.id: lists.read(
            f"applied_{p.id}",
            PROVIDERS_ORDER,
            lambda page, p=p: d.read.providers_page(p.id, ["applied"], page),
        )
        for p in d.programmes
    }
    page = render_template(
        "officer_applications.html",
        programmes=list(d.programmes),
        waiting=waiting,
        pagers=lists.pagers,
        paging_error=lists.refused,
        organisation_number=org_format,
    )
    return page, 422 if lists.refused else 200
