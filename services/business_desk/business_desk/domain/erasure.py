"""When a finished case's personal data is due for erasure, and the record that it was."""

from __future__ import annotations

from datetime import date, timedelta

from business_desk.domain.case import Case
from business_desk.domain.errors import IllegalTransition
from business_desk.domain.events import PERSONAL_DATA_ERASED
from business_desk.domain.guards import ids, require_text
from kernel.eventsourcing.envelope import NewEvent


def erasure_due(case: Case, today: date, retention_days: int) -> bool:
    """Personal data in a decided case is kept `retention_days` after the decision."""
    finished_on = case.decided_on or (case.facts.closed_on if case.facts else None)
    return (
        case.phase in ("decided", "closed")
        and not case.personal_erased
        and finished_on is not None
        and finished_on + timedelta(days=retention_days) <= today
    )


def erase_personal_data(case: Case, today: date, reason: str) -> list[NewEvent]:
    """Record that the case's personal data was erased (its subject's key destroyed).
    Only a decided or closed case: an open one still needs its applicant."""
    if not case.exists:
        raise LookupError("no such case")
    if case.personal_erased:
        return []
    if case.phase not in ("decided", "closed"):
        raise IllegalTransition("personal data can only be erased once the case is decided")
    text = require_text(reason, "say why the personal data is erased")
    return [
        NewEvent(
            PERSONAL_DATA_ERASED,
            {**ids(case), "subject_id": case.subject_id, "erased_on": today.isoformat(), "reason": text},
        )
    ]
