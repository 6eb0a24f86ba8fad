"""Older versions of the vouchers events, read as the current ones (the store upcasts on
every read, so the domain and the read models know only the current shapes)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kernel.domain.actors import legacy_actor_id
from kernel.eventsourcing.eventstore import Upcasters
from vouchers.domain import events as ev
from vouchers.domain.vouchers import BUCKET_HEX_DIGITS, CITIZEN


def voucher_granted_v1(data: dict[str, Any]) -> dict[str, Any]:
    """v1 carried the whole keyed hash of the personnummer (`citizen_key`), which anyone
    holding the shared secret could test every personnummer against, erased or not; v2
    carries only its bucket, the hash's first digits."""
    data["citizen_bucket"] = data.pop("citizen_key")[:BUCKET_HEX_DIGITS]
    return data


def voucher_granted_v1_redacted(data: dict[str, Any]) -> dict[str, Any]:
    """What erasure leaves of a stored v1 grant: the bucket, as v2 carries it."""
    return {**data, "citizen_key": data["citizen_key"][:BUCKET_HEX_DIGITS]}


def voucher_granted_v3(data: dict[str, Any]) -> dict[str, Any]:
    """v4 may seal the citizen's name too; a v3 grant has none."""
    return data


def voucher_granted_v4(data: dict[str, Any]) -> dict[str, Any]:
    """v5 allows Danish (`da`) as the emails' language too: every v4 grant (sv or en) is a
    v5 one as it is."""
    return data


def _with_actor_id(role: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """Events written before people were identified by subject name them only: the name
    gets a `legacy:<name>` actor id (kernel.domain.actors), which matches nobody; a citizen's own
    choice (`citizen`) is `citizen:self`, as now."""

    def step(data: dict[str, Any]) -> dict[str, Any]:
        name = data[role]
        data[f"{role}_id"] = CITIZEN.id if name == CITIZEN.name else legacy_actor_id(name)
        return data

    return step


# (event type, the version upcast from): who the event names
ACTOR_ROLES = {
    **{(t, 1): "decided_by" for t in (ev.PROVIDER_APPROVED, ev.PROVIDER_REJECTED, ev.PROVIDER_SUSPENDED)},
    **{(t, 1): "decided_by" for t in (ev.PROVIDER_REVOKED, ev.PROVIDER_REINSTATED)},
    (ev.QUALITY_RESULT_RECORDED, 1): "recorded_by",
    (ev.OUTCOME_BONUS_GRANTED, 1): "granted_by",
    (ev.PROVIDER_CHOSEN, 1): "chosen_by",
    (ev.PROVIDER_SWITCHED, 1): "chosen_by",
    (ev.VOUCHER_GRANTED, 2): "granted_by",
}


def upcasters() -> Upcasters:
    steps = Upcasters()
    steps.register(ev.VOUCHER_GRANTED, 1, voucher_granted_v1, redact=voucher_granted_v1_redacted)
    steps.register(ev.VOUCHER_GRANTED, 3, voucher_granted_v3)
    steps.register(ev.VOUCHER_GRANTED, 4, voucher_granted_v4)
    for (event_type, version), role in ACTOR_ROLES.items():
        steps.register(event_type, version, _with_actor_id(role))
    return steps
