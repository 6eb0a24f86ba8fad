"""Pages for the people who run customer choice.

The voucher officer: the applications and every provider's status with the decisions
that status allows, granting a citizen a voucher, the month's payment run and each
programme's budget. The provider: the vouchers it holds today, reporting delivered
units against them, and its payments.

The forms check their input with the API's own schemas and go through the same
handlers, so a page and an API call can never disagree on what is allowed."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import fields
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError

from kernel.web.auth import current_principal
from kernel.web.paging import Page, PageRequest, SortKey, page_or_first, pager_links
from kernel.web.signin import signed_in
from vouchers import handlers
from vouchers.domain import Refused
from vouchers.domain import figures as fig
from vouchers.domain.providers import DECISIONS
from vouchers.domain.redemptions import DeliveryReport
from vouchers.domain.vouchers import GrantVoucher
from vouchers.i18n import t
from vouchers.readmodels.projections import HELD_ORDER, PAYMENTS_ORDER, PROVIDERS_ORDER
from vouchers.web.api import actor
from vouchers.web.pages import deps, language, pages
from vouchers.web.schemas import DecisionSchema, DeliverySchema, GrantSchema, PaymentRunSchema
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


def decisions_from(status: str) -> list[str]:
    """The decisions an officer can take on a provider in this status."""
    return [decision for decision, (_, _, allowed_from) in DECISIONS.items() if status in allowed_from]


def field_errors(exc: ValidationError) -> dict[str, str]:
    messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
    return {
        field: " ".join(t(str(text), language()) for text in (texts if isinstance(texts, list) else [texts]))
        for field, texts in messages.items()
    }


# -- the voucher officer --------------------------------------------------------------------


def officer_page(  # type: ignore[no-untyped-def]
    status: int = 200,
    month: str | None = None,
    grant: Any = None,
    errors: dict[str, str] | None = None,
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
    page = render_template(
        "officer.html",
        programmes=programmes,
        providers=providers,
        decisions_from=decisions_from,
        budgets=budgets,
        month=month,
        payments=payments,
        pagers=lists.pagers,
        paging_error=lists.refused,
        grant=grant or {},
        errors=errors or {},
        error_in=error_in,
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
    try:
        body = DecisionSchema().load({k: request.form.get(k, "") for k in ("decision", "reason")})
        handlers.decide_on_provider(deps(), provider_id, body["decision"], body["reason"].strip(), actor())
    except ValidationError as exc:
        return officer_page(422, errors=field_errors(exc), error_in=provider_id)
    except Refused as exc:
        return officer_page(409, errors={"decision": str(exc)}, error_in=provider_id)
    flash(t("decision_saved", language()))
    return redirect(url_for("pages.officer", lang=language()) + f"#provider-{provider_id}")


@pages.post("/officer/vouchers")
@signed_in("voucher.grant")
def grant():  # type: ignore[no-untyped-def]
    form = {k: request.form.get(k, "").strip() for k in GRANT_FIELDS}
    programme_id, _, category = form.pop("programme_category").partition("/")
    raw = {k: v for k, v in form.items() if v} | {"programme": programme_id, "category": category}
    try:
        body = GrantSchema().load(raw)
        programme = deps().programmes.by_id.get(body["programme"])
        if programme is None or body["category"] not in programme.categories:
            raise ValidationError({"programme_category": ["Choose a programme and category from the list."]})
        command = GrantVoucher(**{f.name: body[f.name] for f in fields(GrantVoucher)})
        voucher_id = handlers.grant_voucher(deps(), command, actor())
    except ValidationError as exc:
        return officer_page(422, grant=request.form, errors=field_errors(exc), error_in="grant")
    except Refused as exc:
        return officer_page(
            422, grant=request.form, errors={exc.field or "_schema": str(exc)}, error_in="grant"
        )
    flash(f"{t('voucher_granted', language())} {voucher_id}")
    return redirect(url_for("pages.officer", lang=language()) + "#grant")


GRANT_FIELDS = ("programme_category", "personnummer", "email", "language", "units_per_period", "valid_from")


@pages.post("/officer/payment-runs")
@signed_in("payments.run")
def payment_run():  # type: ignore[no-untyped-def]
    month = request.form.get("month", "").strip()
    try:
        PaymentRunSchema().load({"month": month})
        made = handlers.run_payments(deps(), month)
    except ValidationError as exc:
        return officer_page(422, month=month, errors=field_errors(exc), error_in="payments")
    except Refused as exc:
        return officer_page(422, month=month, errors={"month": str(exc)}, error_in="payments")
    flash(f"{t('payments_made', language())}: {len(made)}")
    return redirect(url_for("pages.officer", month=month, lang=language()) + "#payments")


# -- the provider ---------------------------------------------------------------------------


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


def provider_page(status: int = 200, errors: dict[str, str] | None = None, error_in: str | None = None):  # type: ignore[no-untyped-def]
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
        payments=payments,
        today=today.isoformat(),
        new_report_id=lambda: uuid.uuid4().hex,
        errors=errors or {},
        error_in=error_in,
    )
    return page, 422 if lists.refused and status == 200 else status


@pages.post("/provider/<provider_id>/vouchers/<voucher_id>/deliveries")
@signed_in("delivery.report")
def report(provider_id: str, voucher_id: str):  # type: ignore[no-untyped-def]
    if provider_id not in {p["_id"] for p in own_providers()} or deps().read.voucher(voucher_id) is None:
        abort(404)
    form = {k: request.form.get(k, "").strip() for k in ("report_id", "units", "delivered_on")}
    try:
        body = DeliverySchema().load(form)
        redemption = handlers.report_delivery(
            deps(),
            voucher_id,
            DeliveryReport(provider_id, body["report_id"], body["units"], body["delivered_on"]),
        )
    except ValidationError as exc:
        return provider_page(422, field_errors(exc), voucher_id)
    except Refused as exc:  # Conflict too: the report id was used for another delivery
        return provider_page(422, {exc.field or "_schema": str(exc)}, voucher_id)
    said = t("reported", language()) if redemption.created else t("reported_before", language())
    flash(f"{said}: {redemption.data['units']} ({redemption.data['delivered_on']}), {voucher_id}")
    return redirect(url_for("pages.provider_work", lang=language()) + f"#voucher-{voucher_id}")
