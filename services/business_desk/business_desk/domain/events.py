"""The case's event types, its stream, and how an event names the people in it."""

from __future__ import annotations

from kernel.domain.actors import Actor

CASE_OPENED = "business_desk.case_opened"
CASE_CLAIMED = "business_desk.case_claimed"
CASE_ASSIGNED = "business_desk.case_assigned"
CASE_RELEASED = "business_desk.case_released"
NOTE_ADDED = "business_desk.note_added"
STATUS_CHANGED = "business_desk.status_changed"
COMPLETION_REQUESTED = "business_desk.completion_requested"
APPLICANT_REPLIED = "business_desk.applicant_replied"
DEADLINE_EXTENDED = "business_desk.deadline_extended"
DELAY_NOTICE_SENT = "business_desk.delay_notice_sent"
DEADLINE_WARNING_ISSUED = "business_desk.deadline_warning_issued"
CASE_DECIDED = "business_desk.case_decided"
CASE_CLOSED = "business_desk.case_closed"
CASE_REOPENED = "business_desk.case_reopened"
PERSONAL_DATA_ERASED = "business_desk.personal_data_erased"


def stream_id_for(case_id: str) -> str:
    return f"case-{case_id}"


def named(data: dict, role: str) -> Actor | None:
    """The actor an event names in `role` (`<role>_id` says who, `<role>` their name)."""
    who = data.get(f"{role}_id")
    return Actor(who, data.get(role) or who) if who else None


def naming(role: str, actor: Actor | None) -> dict[str, str | None]:
    """How an event names an actor: who (`<role>_id`) and, for showing, their name."""
    return {role: actor.name if actor else None, f"{role}_id": actor.id if actor else None}
