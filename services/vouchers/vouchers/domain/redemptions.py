"""What a voucher pays for: units delivered against it, each report redeemed once and
never beyond the period's units, and the provider's outcome bonus."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from catalogue.programmes import Programme
from kernel.domain.actors import Actor
from kernel.eventsourcing.envelope import NewEvent
from vouchers.domain import Refused
from vouchers.domain import events as ev
from vouchers.domain.months import add_months
from vouchers.domain.providers import Provider
from vouchers.domain.voucher_state import Voucher, report_key


class Conflict(Refused):
    """The provider's report id was already used for a different delivery."""


@dataclass(frozen=True)
class DeliveryReport:
    provider_id: str
    report_id: str  # the provider's own id: a report sent twice is redeemed once
    units: int
    delivered_on: date


def redeem(voucher: Voucher, provider: Provider, report: DeliveryReport, today: date) -> list[NewEvent]:
    """Units delivered against the voucher. An exact repeat of a report is no new event."""
    if not voucher.voucher_id:
        raise LookupError("no such voucher")
    earlier = voucher.reports.get(report_key(report.provider_id, report.report_id))
    if earlier is not None:
        if (earlier["units"], earlier["delivered_on"]) == (report.units, report.delivered_on.isoformat()):
            return []
        raise Conflict(
            f"report {report.report_id} was already used for another delivery",
            "report_id",
            "refused.report_used",
        )
    if report.units < 1:
        raise Refused("units must be at least 1", "units", "refused.units_min")
    day = report.delivered_on
    if day > today:
        raise Refused("a delivery cannot be reported before it happens", "delivered_on", "refused.not_yet")
    if not voucher.valid_from <= day <= voucher.valid_until:
        raise Refused(
            f"the voucher is valid {voucher.valid_from} to {voucher.valid_until}",
            "delivered_on",
            "refused.outside_validity",
            valid_from=voucher.valid_from,
            valid_until=voucher.valid_until,
        )
    if voucher.provider_on(day) != report.provider_id:
        raise Refused(
            "the citizen had not chosen this provider on that day", "delivered_on", "refused.not_chosen_then"
        )
    if not provider.approved_on(day):
        raise Refused(
            "the provider was not approved on that day", "delivered_on", "refused.not_approved_then"
        )
    left = voucher.units_left(day)
    if report.units > left:
        raise Refused(f"only {left} units are left in this period", "units", "refused.units_left", left=left)
    done = voucher.units_per_period - left
    amount = voucher.value_of(done + report.units) - voucher.value_of(done)
    return [
        NewEvent(
            ev.UNITS_REDEEMED,
            {
                "voucher_id": voucher.voucher_id,
                "programme": voucher.programme,
                "category": voucher.category,
                "provider_id": report.provider_id,
                "report_id": report.report_id,
                "units": report.units,
                "amount_ore": amount,
                "delivered_on": day.isoformat(),
                "period_key": voucher.period_key(day),
                "recorded_on": today.isoformat(),
            },
        )
    ]


def grant_outcome_bonus(
    voucher: Voucher, programme: Programme, self_supporting_since: date, by: Actor, today: date
) -> list[NewEvent]:
    """The provider's bonus once the citizen has been self-supporting long enough."""
    if not voucher.voucher_id:
        raise LookupError("no such voucher")
    bonus = programme.outcome_bonus
    if bonus is None:
        raise Refused(f"{programme.id} has no outcome bonus")
    if voucher.bonus_granted:
        raise Refused("the outcome bonus was already granted for this voucher")
    provider_id = voucher.provider_on(self_supporting_since)
    if provider_id is None:
        raise Refused("no provider had the voucher on that day", "self_supporting_since")
    due = add_months(self_supporting_since, bonus.after_months)
    if due > today:
        raise Refused(
            f"the bonus is due after {bonus.after_months} months, on {due}", "self_supporting_since"
        )
    return [
        NewEvent(
            ev.OUTCOME_BONUS_GRANTED,
            {
                "voucher_id": voucher.voucher_id,
                "programme": voucher.programme,
                "provider_id": provider_id,
                "amount_ore": bonus.amount_ore,
                "self_supporting_since": self_supporting_since.isoformat(),
                "granted_by": by.name,
                "granted_by_id": by.id,
                "recorded_on": today.isoformat(),
            },
            schema_version=2,
        )
    ]
