"""The Voucher aggregate: what a voucher is at present (its tenures with providers, the
units redeemed per period), folded from its events or read from its read-model document."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from kernel.eventsourcing.envelope import Envelope
from vouchers.domain import events as ev
from vouchers.domain.months import month_of


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
    cancelled_switch: date | None = None  # the day of the switch cancelled last, if one was

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
            self.cancelled_switch = None
        elif event.type == ev.SWITCH_CANCELLED:
            self.tenures.pop()  # as if it was never scheduled: the provider before keeps it
            self.tenures[-1].until = None
            self.cancelled_switch = date.fromisoformat(data["effective_from"])
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

    def scheduled_switch(self, today: date) -> Tenure | None:
        """The switch to another provider that is still to take effect, if there is one."""
        coming = self.tenures[-1] if self.tenures else None
        return coming if coming and coming.how == "switched" and coming.since > today else None

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
