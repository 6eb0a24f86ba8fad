"""Old versions of business_desk's events, read as the current ones.

Events written before people were identified by subject name them only: each name gets
a `legacy:<name>` actor id (kernel.domain.actors), which matches nobody, so nobody can act as
the handler of an old case by sharing a name; whoever takes it on claims it again.
Events written before free-text reasons were sealed keep the reason in clear: it is
read as `legacy_reason`, and taken out of the stored events when the case's personal data
is erased (REDACTIONS; kernel.eventsourcing.eventstore.Upcasters)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from business_desk import domain
from kernel.domain.actors import legacy_actor_id
from kernel.eventsourcing.eventstore import Upcasters

Step = Callable[[dict[str, Any]], dict[str, Any]]


def _with_actor_ids(*roles: str) -> Step:
    def step(data: dict[str, Any]) -> dict[str, Any]:
        for role in roles:
            if role in data:
                data[f"{role}_id"] = legacy_actor_id(data[role])
        return data

    return step


def _with_legacy_reason(*roles: str) -> Step:
    ids = _with_actor_ids(*roles)

    def step(data: dict[str, Any]) -> dict[str, Any]:
        data = ids(data)
        data["legacy_reason"] = data.pop("reason")
        return data

    return step


def _without_documents(data: dict[str, Any]) -> dict[str, Any]:
    """Before version 4 a handler attached no documents."""
    return {**data, "document_count": 0}


# (event type, the version upcast from): the step to the next version
STEPS: dict[tuple[str, int], Step] = {
    (domain.CASE_CLAIMED, 1): _with_actor_ids("handler", "previous_handler"),
    (domain.CASE_ASSIGNED, 1): _with_actor_ids("handler", "previous_handler", "assigned_by"),
    (domain.NOTE_ADDED, 1): _with_actor_ids("author"),
    (domain.NOTE_ADDED, 2): dict,  # v3 may carry the applicant's files: a v2 note has none
    (domain.STATUS_CHANGED, 1): _with_actor_ids("handler"),
    (domain.COMPLETION_REQUESTED, 2): _with_actor_ids("handler"),
    (domain.DELAY_NOTICE_SENT, 1): _with_actor_ids("handler"),
    (domain.DEADLINE_WARNING_ISSUED, 1): _with_actor_ids("handler"),
    (domain.CASE_DECIDED, 2): _with_actor_ids("handler"),
    (domain.COMPLETION_REQUESTED, 3): _without_documents,
    (domain.CASE_DECIDED, 3): _without_documents,
    (domain.DEADLINE_EXTENDED, 1): _with_legacy_reason("handler"),
    (domain.CASE_CLOSED, 1): _with_legacy_reason("handler"),
    (domain.CASE_REOPENED, 1): _with_legacy_reason("handler"),
}


def _without_reason(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "reason": None}


# (event type, version): what erasure takes out of such an event as stored
REDACTIONS: dict[tuple[str, int], Step] = {
    (domain.DEADLINE_EXTENDED, 1): _without_reason,
    (domain.CASE_CLOSED, 1): _without_reason,
    (domain.CASE_REOPENED, 1): _without_reason,
}


def upcasters() -> Upcasters:
    registry = Upcasters()
    for (event_type, version), step in STEPS.items():
        registry.register(event_type, version, step, redact=REDACTIONS.get((event_type, version)))
    return registry
