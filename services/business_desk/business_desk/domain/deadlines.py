"""The processing time's deadline: extending it, telling the applicant of a delay, and
warning the handler as the time runs out."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from business_desk.domain.case import ACTIVE, Case
from business_desk.domain.clocks import compute, warning_due
from business_desk.domain.errors import IllegalTransition
from business_desk.domain.events import DEADLINE_EXTENDED, DEADLINE_WARNING_ISSUED, DELAY_NOTICE_SENT, naming
from business_desk.domain.guards import ids, require, require_handler, require_text
from catalogue.casetypes import Catalogue
from kernel.domain.actors import Actor
from kernel.eventsourcing.envelope import NewEvent


def extend_deadline(
    case: Case, handler: Actor, reason: str, today: date, catalogue: Catalogue
) -> list[NewEvent]:
    """Move the deadline once, by the case type's extension, with a recorded reason."""
    require(case, ("in_progress", "waiting_for_applicant"), "extend the deadline of")
    require_handler(case, handler)
    if case.extended:
        raise IllegalTransition("the deadline has already been extended once")
    text = require_text(reason, "an extension needs a recorded reason")
    case_type = catalogue.get(case.case_type)
    assert case.facts is not None and case_type.extension is not None
    facts = replace(case.facts, extended=True)
    clock = compute(facts, case_type, catalogue.calendar, today)
    return [
        NewEvent(
            DEADLINE_EXTENDED,
            {
                **ids(case),
                **naming("handler", handler),
                "extension": {"amount": case_type.extension.amount, "unit": case_type.extension.unit},
                "extended_on": today.isoformat(),
                "due_date": clock.due_date.isoformat(),
                "subject_id": case.subject_id,
                "personal": {"reason": text},
            },
            schema_version=2,
        )
    ]


def send_delay_notice(
    case: Case,
    handler: Actor,
    reason: str,
    expected_by: date,
    today: date,
    catalogue: Catalogue | None = None,
) -> list[NewEvent]:
    """Förvaltningslagen §11: tell the applicant that the decision will be significantly
    delayed, why, and when it is now expected; the team lead is told too."""
    require(case, ACTIVE, "send a delay notice for")
    require_handler(case, handler)
    text = require_text(reason, "say why the case is delayed")
    if expected_by <= today:
        raise IllegalTransition("the expected decision date must be in the future")
    return [
        NewEvent(
            DELAY_NOTICE_SENT,
            {
                **ids(case),
                **naming("handler", handler),
                "sent_on": today.isoformat(),
                "expected_by": expected_by.isoformat(),
                **_staff_recipients(case, catalogue),
                "subject_id": case.subject_id,
                "personal": {"reason": text},
            },
            schema_version=2,
        )
    ]


def _staff_recipients(case: Case, catalogue: Catalogue | None) -> dict[str, list[str]]:
    team = catalogue.team_of(case.case_type) if catalogue else None
    return {"staff_recipients": [team.lead.email]} if team and team.lead else {}


def issue_warning(case: Case, today: date, catalogue: Catalogue) -> list[NewEvent]:
    """Warn the handler and the team lead once the case has used a warning share of its time."""
    if case.phase not in ACTIVE:
        return []
    clock = case.clock(catalogue, today)
    share = warning_due(clock, catalogue.warning_shares, case.warned)
    if share is None:
        return []
    team = catalogue.team_of(case.case_type)
    handler = team.member(case.handler.id) if team and case.handler else None
    recipients = sorted({p.email for p in (handler, team.lead if team else None) if p is not None})
    return [
        NewEvent(
            DEADLINE_WARNING_ISSUED,
            {
                **ids(case),
                "case_type": case.case_type,
                "share": share,
                "share_used": clock.share_used,
                "due_date": clock.due_date.isoformat(),
                **naming("handler", case.handler),
                "recipients": recipients,
                "warned_on": today.isoformat(),
            },
            schema_version=2,
        )
    ]
