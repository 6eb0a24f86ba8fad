"""Providers: apply to a programme, are approved or rejected against its criteria, may be
suspended, reinstated and revoked. Municipal, private and non-profit on equal terms."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from catalogue.programmes import Programme
from kernel.domain.actors import Actor
from kernel.eventsourcing.envelope import Envelope, NewEvent
from vouchers.domain import Refused
from vouchers.domain import events as ev

OWNERSHIPS = ("municipal", "private", "non_profit")
# the status each decision leads to, and the statuses it may be taken from
DECISIONS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "approve": (ev.PROVIDER_APPROVED, "approved", ("applied",)),
    "reject": (ev.PROVIDER_REJECTED, "rejected", ("applied",)),
    "suspend": (ev.PROVIDER_SUSPENDED, "suspended", ("approved",)),
    "reinstate": (ev.PROVIDER_REINSTATED, "approved", ("suspended",)),
    "revoke": (ev.PROVIDER_REVOKED, "revoked", ("approved", "suspended")),
}
STATUS_BY_EVENT = {event_type: status for event_type, status, _ in DECISIONS.values()}


def provider_id_for(programme_id: str, organisation_number: str) -> str:
    """One provider record per organisation and programme."""
    return f"{programme_id}-{organisation_number}"


def stream_id_for(provider_id: str) -> str:
    return f"provider-{provider_id}"


@dataclass(frozen=True)
class ApplyAsProvider:
    programme: str
    organisation_number: str  # validated, compact
    name: str
    ownership: str
    categories: list[str]
    contact_email: str
    description: str
    website: str = ""


@dataclass
class Provider:
    provider_id: str = ""
    programme: str = ""
    name: str = ""
    contact_email: str = ""
    categories: list[str] = field(default_factory=list)
    status: str = ""
    # (effective date, status) in order: which status held on a given day
    statuses: list[tuple[date, str]] = field(default_factory=list)

    @classmethod
    def from_history(cls, events: list[Envelope]) -> Provider:
        provider = cls()
        for event in events:
            provider.apply(event)
        return provider

    def apply(self, event: Envelope) -> None:
        data = event.data
        on = date.fromisoformat(data["on"]) if "on" in data else date.fromisoformat(event.occurred_at[:10])
        if event.type == ev.PROVIDER_APPLIED:
            self.provider_id, self.programme = data["provider_id"], data["programme"]
            self.name, self.contact_email = data["name"], data["contact_email"]
            self.categories = list(data["categories"])
            self._set("applied", on)
        elif event.type in STATUS_BY_EVENT:
            self._set(STATUS_BY_EVENT[event.type], on)

    def _set(self, status: str, on: date) -> None:
        self.status = status
        self.statuses.append((on, status))

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> Provider:
        """The provider as its read-model document has it (the same statuses, dated)."""
        return cls(
            provider_id=doc["_id"],
            programme=doc["programme"],
            name=doc["name"],
            contact_email=doc["contact_email"],
            categories=list(doc["categories"]),
            status=doc["status"],
            statuses=[(date.fromisoformat(h["on"]), h["status"]) for h in doc.get("history", [])],
        )

    def approved_on(self, day: date) -> bool:
        """Was the provider approved on that day (the last status taking effect by then)?"""
        held = [status for since, status in self.statuses if since <= day]
        return bool(held) and held[-1] == "approved"

    def offers(self, category: str) -> bool:
        return category in self.categories


def apply_as_provider(provider: Provider, command: ApplyAsProvider, programme: Programme, today: date):  # type: ignore[no-untyped-def]
    if provider.status and provider.status not in ("rejected", "revoked"):
        raise Refused(f"this organisation already has a {provider.status} application to {programme.id}")
    if command.ownership not in OWNERSHIPS:
        raise Refused(f"ownership must be one of {', '.join(OWNERSHIPS)}", "ownership")
    unknown = [c for c in command.categories if c not in programme.categories]
    if unknown or not command.categories:
        raise Refused(
            f"categories must be some of {', '.join(programme.categories)}"
            + (f" (not {', '.join(unknown)})" if unknown else ""),
            "categories",
        )
    provider_id = provider_id_for(programme.id, command.organisation_number)
    return [
        NewEvent(
            ev.PROVIDER_APPLIED,
            {
                "provider_id": provider_id,
                "programme": programme.id,
                "organisation_number": command.organisation_number,
                "name": command.name,
                "ownership": command.ownership,
                "categories": sorted(set(command.categories)),
                "contact_email": command.contact_email,
                "description": command.description,
                "website": command.website,
                "on": today.isoformat(),
            },
        )
    ]


def decide_on_provider(
    provider: Provider, decision: str, reason: str, by: Actor, today: date
) -> list[NewEvent]:
    if not provider.provider_id:
        raise LookupError("no such provider")
    if decision not in DECISIONS:
        raise Refused(f"decision must be one of {', '.join(DECISIONS)}", "decision", "form.choice")
    event_type, _, allowed_from = DECISIONS[decision]
    if provider.status not in allowed_from:
        raise Refused(
            f"a {provider.status} provider cannot be given the decision {decision!r}",
            None,
            "refused.decision_not_allowed",
        )
    if not reason.strip():
        raise Refused("a decision needs its reason", "reason", "form.required")
    return [
        NewEvent(
            event_type,
            {
                "provider_id": provider.provider_id,
                "programme": provider.programme,
                "reason": reason.strip(),
                "decided_by": by.name,
                "decided_by_id": by.id,
                "on": today.isoformat(),
            },
            schema_version=2,
        )
    ]


def record_quality(
    provider: Provider, programme: Programme, measure: str, value: float, period: str, by: Actor, today: date
) -> list[NewEvent]:
    if not provider.provider_id:
        raise LookupError("no such provider")
    if measure not in programme.quality_measures:
        raise Refused(
            f"measure must be one of {', '.join(programme.quality_measures)}", "measure", "form.choice"
        )
    spec = programme.quality_measures[measure]
    if not spec.minimum <= value <= spec.maximum:
        raise Refused(
            f"{measure} is measured from {spec.minimum:g} to {spec.maximum:g}",
            "value",
            "refused.quality_range",
            min=f"{spec.minimum:g}",
            max=f"{spec.maximum:g}",
        )
    data: dict[str, Any] = {
        "provider_id": provider.provider_id,
        "programme": programme.id,
        "measure": measure,
        "value": value,
        "period": period,
        "recorded_by": by.name,
        "recorded_by_id": by.id,
        "on": today.isoformat(),
    }
    return [NewEvent(ev.QUALITY_RESULT_RECORDED, data, schema_version=2)]


def designate_default(provider: Provider, programme: Programme, today: date) -> list[NewEvent]:
    if not programme.default_provider:
        raise Refused(f"{programme.id} has no default provider", None, "refused.no_default_provider")
    if provider.programme != programme.id or not provider.approved_on(today):
        raise Refused(
            "only an approved provider of the programme can be its default provider",
            "provider_id",
            "refused.default_not_approved",
        )
    return [
        NewEvent(
            ev.DEFAULT_PROVIDER_DESIGNATED,
            {"programme": programme.id, "provider_id": provider.provider_id, "on": today.isoformat()},
        )
    ]
