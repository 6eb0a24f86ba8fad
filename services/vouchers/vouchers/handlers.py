"""Use cases of the vouchers service: one function per command and per round of a
periodic job, each `name(deps, ...)`."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from pymongo.errors import DuplicateKeyError

from kernel.domain.actors import Actor
from kernel.eventsourcing.envelope import Envelope, Metadata, NewEvent
from kernel.eventsourcing.eventstore import ConcurrencyError, execute
from kernel.platform import telemetry
from kernel.platform.isolation import each_alone
from kernel.web.paging import Page, PageRequest
from vouchers.bootstrap import Deps
from vouchers.domain import Refused
from vouchers.domain import payments as pay
from vouchers.domain import providers as prov
from vouchers.domain import redemptions as red
from vouchers.domain import vouchers as vou
from vouchers.domain.figures import previous_month
from vouchers.domain.providers import ApplyAsProvider, Provider
from vouchers.domain.redemptions import Conflict, DeliveryReport
from vouchers.domain.voucher_state import Voucher
from vouchers.domain.vouchers import GrantVoucher


def _meta() -> Metadata:
    return Metadata.new(telemetry.current_traceparent())


def _today(deps: Deps) -> date:
    return deps.clock().date()


def load_provider(deps: Deps, provider_id: str) -> Provider:
    return Provider.from_history(deps.store.load(prov.stream_id_for(provider_id)))


# -- providers ---------------------------------------------------------------------------


def apply_as_provider(deps: Deps, command: ApplyAsProvider) -> str:
    programme = deps.programmes.get(command.programme)
    provider_id = prov.provider_id_for(programme.id, command.organisation_number)
    execute(
        deps.store,
        prov.stream_id_for(provider_id),
        lambda history: prov.apply_as_provider(
            Provider.from_history(history), command, programme, _today(deps)
        ),
        _meta(),
    )
    return provider_id


def decide_on_provider(deps: Deps, provider_id: str, decision: str, reason: str, by: Actor) -> None:
    execute(
        deps.store,
        prov.stream_id_for(provider_id),
        lambda history: prov.decide_on_provider(
            Provider.from_history(history), decision, reason, by, _today(deps)
        ),
        _meta(),
    )


def record_quality(deps: Deps, provider_id: str, measure: str, value: float, period: str, by: Actor) -> None:
    def decide(history):  # type: ignore[no-untyped-def]
        provider = Provider.from_history(history)
        if not provider.provider_id:
            raise LookupError("no such provider")
        programme = deps.programmes.get(provider.programme)
        return prov.record_quality(provider, programme, measure, value, period, by, _today(deps))

    execute(deps.store, prov.stream_id_for(provider_id), decide, _meta())


def designate_default(deps: Deps, programme_id: str, provider_id: str) -> None:
    programme = deps.programmes.get(programme_id)
    events = prov.designate_default(load_provider(deps, provider_id), programme, _today(deps))
    stream = f"programme-{programme.id}"
    execute(deps.store, stream, lambda _history: events, _meta())


# -- vouchers ----------------------------------------------------------------------------


def grant_voucher(deps: Deps, command: GrantVoucher, by: Actor, voucher_id: str | None = None) -> str:
    """Grants the voucher; with a `voucher_id` chosen before (a form's key) a second grant of
    it raises ConcurrencyError and grants nothing."""
    programme = deps.programmes.get(command.programme)
    default = None
    if programme.default_provider:
        default_id = deps.read.default_provider_id(programme.id)
        default = load_provider(deps, default_id) if default_id else None
        if default is not None and not default.approved_on(_today(deps)):
            default = None
    voucher_id, events = vou.grant_voucher(
        command, programme, deps.citizen_secret, by, _today(deps), default, voucher_id
    )
    deps.store.append(vou.stream_id_for(voucher_id), 0, events, _meta())
    return voucher_id


def vouchers_of_citizen(deps: Deps, personnummer: str, page: PageRequest) -> Page[dict[str, Any]]:
    """One page of the read-model documents of the vouchers granted to this personnummer."""
    bucket = vou.citizen_bucket(personnummer, deps.citizen_secret)
    return deps.read.vouchers_of_citizen(personnummer, bucket, page)


def choose_provider(
    deps: Deps, voucher_id: str, provider_id: str, effective_from: date | None, by: Actor
) -> None:
    provider = load_provider(deps, provider_id)
    if not provider.provider_id:
        raise Refused("no such provider", "provider_id")
    execute(
        deps.store,
        vou.stream_id_for(voucher_id),
        lambda history: vou.choose_provider(
            Voucher.from_history(history), provider, effective_from, by, _today(deps)
        ),
        _meta(),
    )


def cancel_switch(deps: Deps, voucher_id: str, by: Actor) -> None:
    """Take back the voucher's scheduled switch of provider (vouchers.domain.vouchers.cancel_switch)."""

    def decide(history: list[Envelope]) -> list[NewEvent]:
        voucher = Voucher.from_history(history)
        coming = voucher.tenures[-1] if voucher.tenures else None
        provider = load_provider(deps, coming.provider_id) if coming else Provider()
        return vou.cancel_switch(voucher, provider, by, _today(deps))

    execute(deps.store, vou.stream_id_for(voucher_id), decide, _meta())


@dataclass(frozen=True)
class Redemption:
    data: dict[str, Any]
    created: bool  # False: the same report was redeemed before; this is its result


def report_delivery(deps: Deps, voucher_id: str, report: DeliveryReport) -> Redemption:
    """Redeem a provider's delivery report: validated against the voucher and the
    provider's approval, within the balance, once per report id. Decided from the
    voucher's read-model document (a snapshot at its stream version, so a long stream is
    not replayed per report); racing reports are settled by the stream's optimistic
    concurrency: the loser reads the document again and decides again."""
    for _ in range(20):
        doc = deps.read.voucher(voucher_id)
        if doc is None:
            raise LookupError("no such voucher")
        earlier = deps.read.redemption(report.provider_id, report.report_id)
        if earlier is not None:
            return _repeat(earlier, voucher_id, report)
        provider_doc = deps.read.provider(report.provider_id)
        if provider_doc is None:
            raise Refused("no such provider", "provider_id")
        events = red.redeem(
            Voucher.from_document(doc), Provider.from_document(provider_doc), report, _today(deps)
        )
        try:
            [redeemed] = deps.store.append(vou.stream_id_for(voucher_id), doc["version"], events, _meta())
        except ConcurrencyError:
            continue  # another report got in first: read again
        except DuplicateKeyError:
            continue  # the same report id was just redeemed (here or on another voucher): read again
        return Redemption(redeemed.data, created=True)
    raise ConcurrencyError(f"voucher {voucher_id} kept changing; try again")


def _repeat(earlier: dict[str, Any], voucher_id: str, report: DeliveryReport) -> Redemption:
    """A report id seen before: the same delivery again is its first result; anything else a conflict."""
    same = (earlier["voucher_id"], earlier["units"], earlier["delivered_on"]) == (
        voucher_id,
        report.units,
        report.delivered_on.isoformat(),
    )
    if not same:
        raise Conflict(f"report {report.report_id} was already used for another delivery", "report_id")
    fields = (
        "voucher_id",
        "provider_id",
        "report_id",
        "units",
        "amount_ore",
        "delivered_on",
        "recorded_on",
        "period_key",
    )
    return Redemption({k: earlier.get(k) for k in fields}, created=False)


def grant_outcome_bonus(deps: Deps, voucher_id: str, self_supporting_since: date, by: Actor) -> None:
    def decide(history):  # type: ignore[no-untyped-def]
        voucher = Voucher.from_history(history)
        if not voucher.voucher_id:
            raise LookupError("no such voucher")
        programme = deps.programmes.get(voucher.programme)
        return red.grant_outcome_bonus(voucher, programme, self_supporting_since, by, _today(deps))

    execute(deps.store, vou.stream_id_for(voucher_id), decide, _meta())


# -- payments ----------------------------------------------------------------------------


def run_payments(deps: Deps, month: str) -> list[str]:
    """Pay every provider what was recorded in `month`; returns the payments made. Safe
    to run again: a provider already paid for the month is not paid twice."""
    today = _today(deps)
    pay.check_month(month, today)

    def pay_provider(unpaid: tuple[str, list[Any]]) -> str | None:
        provider_id, lines = unpaid
        provider = deps.read.provider(provider_id)
        if provider is None:
            return None
        events = pay.make_payment(provider, month, lines, today)
        payment_id = pay.payment_id_for(provider_id, month)
        try:
            deps.store.append(pay.stream_id_for(payment_id), 0, events, _meta())
        except ConcurrencyError:
            return None  # another run made this payment meanwhile
        return payment_id

    unpaid = sorted(deps.read.unpaid(month).items())
    return [payment_id for _, payment_id in each_alone("payments", unpaid, pay_provider) if payment_id]


def payment_round(deps: Deps) -> list[str]:
    """The payment job's round: pay last month if it is not paid yet (a provider already
    paid for the month is skipped), so it is safe to run hourly, from a Kubernetes CronJob
    with --once, or again after a crash."""
    month = previous_month(_today(deps))
    made = run_payments(deps, month)
    if made:
        logging.getLogger("vouchers.payments").info(
            "paid %d providers for %s: %s", len(made), month, ", ".join(made)
        )
    return made


# -- personal data ---------------------------------------------------------------------------


def erase_personal_data(deps: Deps, voucher_id: str, reason: str) -> bool:
    """Destroy the key that seals the citizen's personnummer and email on this voucher,
    then record it: no copy of them, in any store or topic, can be opened again. Safe to
    retry (erasing is idempotent). Returns whether anything was erased now."""
    erased = False

    def decide(history: list[Envelope]) -> list[NewEvent]:
        nonlocal erased
        voucher = Voucher.from_history(history)
        events = vou.erase_personal_data(voucher, _today(deps), reason)
        if events:
            assert deps.personal is not None, "erasing needs the key vault"
            deps.personal.vault.erase(voucher.subject_id, reason)
            erased = True
        return events

    execute(deps.store, vou.stream_id_for(voucher_id), decide, _meta())
    return erased


def erase_expired(deps: Deps) -> list[str]:
    """Erase the citizen's personal data on every voucher that ran out more than the
    retention period ago and has nothing left to pay. Returns the vouchers erased."""
    today = _today(deps)
    cutoff = today - timedelta(days=deps.settings.retention_days)

    def erase_if_due(doc: dict[str, Any]) -> bool:
        due = vou.erasure_due(Voucher.from_document(doc), today, deps.settings.retention_days)
        return (
            due
            and not deps.read.has_unpaid(doc["_id"])
            and erase_personal_data(deps, doc["_id"], "retention")
        )

    candidates = deps.read.erasure_candidates(cutoff)
    return [doc["_id"] for doc, erased in each_alone("retention", candidates, erase_if_due) if erased]


def retention_round(deps: Deps) -> list[str]:
    """The retention job's round: erase the citizens' personal data on vouchers that ran
    out more than RETENTION_DAYS ago and are paid in full."""
    erased = erase_expired(deps)
    if erased:
        logging.getLogger("vouchers.retention").info(
            "erased the citizen's personal data on %d vouchers: %s", len(erased), ", ".join(erased)
        )
    return erased
