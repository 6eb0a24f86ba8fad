"""Asking the applicant to complete the inquiry, and their reply: the clock pauses while
the case waits for them."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from business_desk.domain.case import Case
from business_desk.domain.clocks import compute
from business_desk.domain.errors import IllegalTransition
from business_desk.domain.events import APPLICANT_REPLIED, COMPLETION_REQUESTED, naming
from business_desk.domain.guards import ids, require, require_handler, require_text
from business_desk.domain.handling import add_note
from catalogue.casetypes import Catalogue
from kernel.domain.actors import Actor
from kernel.eventsourcing.envelope import NewEvent

DEFAULT_REPLY_DAYS = 15  # working days, about the customary three weeks
# who writes the applicant's own answers sent in the portal, when kept as a note
PORTAL_APPLICANT = Actor("applicant:portal", "Sökanden (e-tjänsten)")


def request_completion(
    case: Case,
    handler: Actor,
    message: str,
    today: date,
    catalogue: Catalogue,
    reply_by: date | None = None,
    documents: list[dict] | None = None,
) -> list[NewEvent]:
    """`documents`: the files the handler attaches for the applicant, described (stored
    already, checked by kernel.web.uploads)."""
    require(case, ("in_progress",), "request completion for")
    require_handler(case, handler)
    text = require_text(message, "say what the applicant must complete")
    reply_by = reply_by or catalogue.calendar.add_working_days(today, DEFAULT_REPLY_DAYS)
    if reply_by <= today:
        raise IllegalTransition("the reply date must be in the future")
    return [
        NewEvent(
            COMPLETION_REQUESTED,
            {
                **ids(case),
                **naming("handler", handler),
                "reply_by": reply_by.isoformat(),
                "paused_on": today.isoformat(),
                "document_count": len(documents or []),
                "subject_id": case.subject_id,
                "personal": {"message": text, **({"documents": documents} if documents else {})},
            },
            schema_version=4,
        )
    ]


def register_reply(
    case: Case, reply: str, today: date, catalogue: Catalogue, attachments: list[dict] | None = None
) -> list[NewEvent]:
    """The applicant's completion arrived: the clock resumes, or, where the law counts
    from the complete application (building permits), starts again. `attachments`: the
    files the applicant sent with an answer in the portal."""
    require(case, ("waiting_for_applicant",), "register a reply for")
    text = require_text(reply, "say what the applicant sent")
    assert case.facts is not None
    facts = replace(case.facts, pauses=list(case.facts.pauses))  # as it will be after the reply
    facts.resume(today)
    facts.completed_on = today
    clock = compute(facts, catalogue.get(case.case_type), catalogue.calendar, today)
    return [
        NewEvent(
            APPLICANT_REPLIED,
            {
                **ids(case),
                "resumed_on": today.isoformat(),
                "clock_started_on": clock.started_on.isoformat(),
                "paused_days": clock.paused_units,
                "due_date": clock.due_date.isoformat(),
                "subject_id": case.subject_id,
                "personal": {"reply": text, **({"attachments": attachments} if attachments else {})},
            },
            schema_version=2,
        )
    ]


def answer_from_portal(
    case: Case, answer: str, attachments: list[dict], today: date, catalogue: Catalogue
) -> list[NewEvent]:
    """The applicant's answer sent in the portal: the reply, if the case waits for one;
    otherwise (the handler already registered a reply, or the applicant sends a further
    document after answering) kept as a note with its files, so nothing is lost."""
    files = ", ".join(f["filename"] for f in attachments)
    text = "\n".join(part for part in (answer.strip(), f"Bifogade filer: {files}" if files else "") if part)
    if case.exists and case.phase == "waiting_for_applicant":
        return register_reply(case, text, today, catalogue, attachments)
    return add_note(case, PORTAL_APPLICANT, text, today, attachments)


def survey_comment(case: Case, comment: str, today: date) -> list[NewEvent]:
    """The free-text comment of the applicant's satisfaction survey, kept with the case as
    a note (sealed as their personal data, erased with the case); the scores count in the
    figures apart from it. Nothing once the case's personal data is erased."""
    if not case.exists or case.personal_erased or not comment.strip():
        return []
    return add_note(case, PORTAL_APPLICANT, f"Kommentar i nöjdhetsenkäten: {comment.strip()}", today)
