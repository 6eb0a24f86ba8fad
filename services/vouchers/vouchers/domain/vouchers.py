"""A citizen's voucher: granted by the municipality, spent with the provider the citizen
chose (or the default provider), redeemed per delivered unit, never beyond its value
and never twice for the same delivery."""

from __future__ import annotations

import calendar
import hashlib
import hmac
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from catalogue.programmes import Programme
from kernel.domain.actors import Actor
from kernel.eventsourcing.envelope import Envelope, NewEvent
from vouchers.domain import Refused
from vouchers.domain import events as ev
from vouchers.domain.providers import Provider


class Conflict(Refused):
    """The provider's report id was already used for a different delivery."""


def stream_id_for(voucher_id: str) -> str:
    return f"voucher-{voucher_id}"


# `chosen_by` when the voucher's own citizen chose: they are its data subject already, so
# the event names no one (no name, no sign-in subject that would outlive their erasure).
CITIZEN = Actor("citizen:self", "citizen")
BUCKET_HEX_DIGITS = 3  # 4,096 buckets


def citizen_bucket(personnummer: str, secret: bytes) -> str:
    """Which of 4,096 buckets the citizen's vouchers are in: the first hex digits of a keyed
    hash of the personnummer. Kept in the clear (in the event and the read model) to find
    the candidates when the citizen signs in; each candidate is then matched by a hash
    keyed with its own subject's data key. After erasure only the bucket remains, which
    thousands of personnummer share: it identifies nobody."""
    digest = hmac.new(secret, personnummer.encode(), hashlib.sha256).hexdigest()
    return digest[:BUCKET_HEX_DIGITS]


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def month_of(day: date) -> str:
    return day.strftime("%Y-%m")


@dataclass(frozen=True)
class GrantVoucher:
    programme: str
    category: str
    personnummer: str  # validated, compact (12 digits)
    birth_date: date
    email: str
    language: str
    units_per_period: int | None = None  # where the category leaves it to the grant (home care hours)
    valid_from: date | None = None


@dataclass(frozen=True)
class DeliveryReport:
    provider_id: str
    report_id: str  # the provider's own id: a report sent twice is redeemed once
    units: int
    delivered_on: date


@dataclass
class Tenure:
    provider_id: str
    since: date
    until: date | None  # the last day, None while it lasts
    how: str  # chosen, default, switched


@dataclass
class Voucher:
    voucher_id: str = ""
    programme: str = ""
    category: str = ""
    citizen_bucket: str = ""
    period: str = "whole"
    units_per_period: int = 0
    period_value_ore: int = 0
    valid_from: date = date.min
    valid_until: date = date.min
    tenures: list[Tenure] = field(default_factory=list)
    redeemed_units: dict[str, int] = field(default_factory=dict)
    reports: dict[str, dict[str, Any]] = field(default_factory=dict)  # "provider_id/report_id" -> event data
    bonus_granted: bool = False
    subject_id: str = ""  # whose key seals the citizen's personnummer and email
    personal_erased: bool = False

    @classmethod
    def from_history(cls, events: list[Envelope]) -> Voucher:
        voucher = cls()
        for event in events:
            voucher.apply(event)
        return voucher

    def apply(self, event: Envelope) -> None:
        data = event.data
        if event.type == ev.VOUCHER_GRANTED:
            self.voucher_id, self.programme, self.category = (
                data["voucher_id"],
                data["programme"],
                data["category"],
            )
            self.citizen_bucket, self.period = data["citizen_bucket"], data["period"]
            self.units_per_period, self.period_value_ore = data["units_per_period"], data["period_value_ore"]
            self.valid_from = date.fromisoformat(data["valid_from"])
            self.valid_until = date.fromisoformat(data["valid_until"])
            self.subject_id = data["subject_id"]
        elif event.type in (ev.PROVIDER_CHOSEN, ev.PROVIDER_SWITCHED):
            since = date.fromisoformat(data["effective_from"])
            if self.tenures:
                self.tenures[-1].until = since - timedelta(days=1)
            self.tenures.append(Tenure(data["provider_id"], since, None, data["how"]))
        elif event.type == ev.UNITS_REDEEMED:
            key = data["period_key"]
            self.redeemed_units[key] = self.redeemed_units.get(key, 0) + data["units"]
            self.reports[report_key(data["provider_id"], data["report_id"])] = data
        elif event.type == ev.OUTCOME_BONUS_GRANTED:
            self.bonus_granted = True
        elif event.type == ev.PERSONAL_DATA_ERASED:
            self.personal_erased, self.citizen_bucket = True, ""

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> Voucher:
        """The voucher as its read-model document has it (kept in the same transaction as
        its events, at `doc["version"]`): what a decision needs, without replaying the
        stream. Its reports are not in it: the caller checks report ids against the
        redemptions first."""
        tenures = [
            Tenure(
                t["provider_id"],
                date.fromisoformat(t["since"]),
                date.fromisoformat(t["until"]) if t["until"] else None,
                t["how"],
            )
            for t in doc["tenures"]
        ]
        return cls(
            voucher_id=doc["_id"],
            programme=doc["programme"],
            category=doc["category"],
            citizen_bucket=doc["citizen_bucket"] or "",
            period=doc["period"],
            units_per_period=doc["units_per_period"],
            period_value_ore=doc["period_value_ore"],
            valid_from=date.fromisoformat(doc["valid_from"]),
            valid_until=date.fromisoformat(doc["valid_until"]),
            tenures=tenures,
            redeemed_units=dict(doc["redeemed"]),
            bonus_granted=bool(doc.get("bonus_granted")),
            subject_id=doc["subject_id"],
            personal_erased=bool(doc.get("personal_erased_on")),
        )

    def provider_on(self, day: date) -> str | None:
        for tenure in self.tenures:
            if tenure.since <= day and (tenure.until is None or day <= tenure.until):
                return tenure.provider_id
        return None

    def period_key(self, day: date) -> str:
        return month_of(day) if self.period == "month" else "whole"

    def units_left(self, day: date) -> int:
        return self.units_per_period - self.redeemed_units.get(self.period_key(day), 0)

    def value_of(self, units: int) -> int:
        """What the first `units` units of a period are worth: the period's value pro rata,
        rounded down, so a fully delivered period comes to its value to the öre."""
        return self.period_value_ore * units // self.units_per_period


def report_key(provider_id: str, report_id: str) -> str:
    return f"{provider_id}/{report_id}"


def grant_voucher(
    command: GrantVoucher,
    programme: Programme,
    secret: bytes,
    by: Actor,
    today: date,
    default_provider: Provider | None = None,
) -> tuple[str, list[NewEvent]]:
    category = programme.category(command.category)
    age = age_on(command.birth_date, today)
    if programme.age_min is not None and age < programme.age_min:
        raise Refused(f"{programme.id} is for ages {programme.age_min}-{programme.age_max}", "personnummer")
    if programme.age_max is not None and age > programme.age_max:
        raise Refused(f"{programme.id} is for ages {programme.age_min}-{programme.age_max}", "personnummer")
    units = category.units or command.units_per_period
    if category.units is not None and command.units_per_period not in (None, category.units):
        raise Refused(f"{category.id} always grants {category.units} units per period", "units_per_period")
    if not units or units < 1:
        raise Refused("this programme needs the granted units per period", "units_per_period")
    valid_from = command.valid_from or today
    valid_until = add_months(valid_from, programme.validity_months) - timedelta(days=1)
    voucher_id = str(uuid.uuid4())
    events = [
        NewEvent(
            ev.VOUCHER_GRANTED,
            {
                "voucher_id": voucher_id,
                "programme": programme.id,
                "category": category.id,
                "citizen_bucket": citizen_bucket(command.personnummer, secret),
                "period": programme.period,
                "units_per_period": units,
                "period_value_ore": category.period_value(units),
                "valid_from": valid_from.isoformat(),
                "valid_until": valid_until.isoformat(),
                "language": command.language,
                "granted_by": by.name,
                "granted_by_id": by.id,
                "on": today.isoformat(),
                "subject_id": str(uuid.uuid4()),
                "personal": {"personnummer": command.personnummer, "email": command.email},
            },
            schema_version=3,
        )
    ]
    if default_provider is not None and default_provider.offers(category.id):
        events.append(
            _tenure_event(
                ev.PROVIDER_CHOSEN,
                voucher_id,
                programme.id,
                default_provider,
                valid_from,
                "default",
                by,
                None,
            )
        )
    return voucher_id, events


def _tenure_event(
    event_type: str,
    voucher_id: str,
    programme: str,
    provider: Provider,
    effective_from: date,
    how: str,
    by: Actor,
    previous: str | None,
) -> NewEvent:
    data: dict[str, Any] = {
        "voucher_id": voucher_id,
        "programme": programme,
        "provider_id": provider.provider_id,
        "provider_name": provider.name,
        "provider_email": provider.contact_email,
        "effective_from": effective_from.isoformat(),
        "how": how,
        "chosen_by": by.name,
        "chosen_by_id": by.id,
    }
    if previous is not None:
        data["previous_provider_id"] = previous
    return NewEvent(event_type, data, schema_version=2)


def choose_provider(
    voucher: Voucher, provider: Provider, effective_from: date | None, by: Actor, today: date
) -> list[NewEvent]:
    """The citizen's choice: the first one, or a switch effective from a date."""
    if not voucher.voucher_id:
        raise LookupError("no such voucher")
    if today > voucher.valid_until:
        raise Refused(f"the voucher ran out on {voucher.valid_until}")
    if provider.programme != voucher.programme or not provider.offers(voucher.category):
        raise Refused("the provider does not offer this voucher's programme and category", "provider_id")
    if not provider.approved_on(today):
        raise Refused("the provider is not approved at present", "provider_id")
    start = effective_from or today
    if start > voucher.valid_until:
        raise Refused(f"the voucher runs out on {voucher.valid_until}", "effective_from")
    if not voucher.tenures:
        if start < today:
            raise Refused("a choice cannot take effect in the past", "effective_from")
        start = max(start, voucher.valid_from)
        return [
            _tenure_event(
                ev.PROVIDER_CHOSEN, voucher.voucher_id, voucher.programme, provider, start, "chosen", by, None
            )
        ]
    current = voucher.tenures[-1]
    if current.provider_id == provider.provider_id:
        raise Refused("the voucher is already with this provider", "provider_id")
    if start < today:
        raise Refused("a switch cannot take effect in the past", "effective_from")
    if start <= current.since:
        raise Refused(f"a switch must take effect after {current.since}", "effective_from")
    return [
        _tenure_event(
            ev.PROVIDER_SWITCHED,
            voucher.voucher_id,
            voucher.programme,
            provider,
            start,
            "switched",
            by,
            current.provider_id,
        )
    ]


def redeem(voucher: Voucher, provider: Provider, report: DeliveryReport, today: date) -> list[NewEvent]:
    """Units delivered against the voucher. An exact repeat of a report is no new event."""
    if not voucher.voucher_id:
        raise LookupError("no such voucher")
    earlier = voucher.reports.get(report_key(report.provider_id, report.report_id))
    if earlier is not None:
        if (earlier["units"], earlier["delivered_on"]) == (report.units, report.delivered_on.isoformat()):
            return []
        raise Conflict(f"report {report.report_id} was already used for another delivery", "report_id")
    if report.units < 1:
        raise Refused("units must be at least 1", "units")
    day = report.delivered_on
    if day > today:
        raise Refused("a delivery cannot be reported before it happens", "delivered_on")
    if not voucher.valid_from <= day <= voucher.valid_until:
        raise Refused(f"the voucher is valid {voucher.valid_from} to {voucher.valid_until}", "delivered_on")
    if voucher.provider_on(day) != report.provider_id:
        raise Refused("the citizen had not chosen this provider on that day", "delivered_on")
    if not provider.approved_on(day):
        raise Refused("the provider was not approved on that day", "delivered_on")
    left = voucher.units_left(day)
    if report.units > left:
        raise Refused(f"only {left} units are left in this period", "units")
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


def erasure_due(voucher: Voucher, today: date, retention_days: int) -> bool:
    """A citizen's personal data is kept `retention_days` after the voucher's last valid day."""
    return (
        bool(voucher.voucher_id)
        and not voucher.personal_erased
        and voucher.valid_until + timedelta(days=retention_days) < today
    )


def erase_personal_data(voucher: Voucher, today: date, reason: str) -> list[NewEvent]:
    """Record that the citizen's personal data on this voucher was erased (its subject's key
    destroyed). Only once the voucher has run out: a valid one still needs its citizen."""
    if not voucher.voucher_id:
        raise LookupError("no such voucher")
    if voucher.personal_erased:
        return []
    if today <= voucher.valid_until:
        raise Refused(f"the voucher is valid until {voucher.valid_until}: its citizen still needs it")
    if not reason.strip():
        raise Refused("say why the personal data is erased", "reason")
    return [
        NewEvent(
            ev.PERSONAL_DATA_ERASED,
            {
                "voucher_id": voucher.voucher_id,
                "programme": voucher.programme,
                "subject_id": voucher.subject_id,
                "erased_on": today.isoformat(),
                "reason": reason.strip(),
            },
        )
    ]
