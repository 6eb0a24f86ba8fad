"""Taking a case on: opening it from an inquiry, claiming and assigning it, working notes
and work statuses."""

from __future__ import annotations

from datetime import date

from business_desk.domain.case import ACTIVE, Case
from business_desk.domain.errors import IllegalTransition
from business_desk.domain.events import (
    CASE_ASSIGNED,
    CASE_CLAIMED,
    CASE_OPENED,
    CASE_RELEASED,
    NOTE_ADDED,
    STATUS_CHANGED,
    naming,
)
from business_desk.domain.guards import ids, require, require_handler, require_text
from catalogue.casetypes import Catalogue
from kernel.domain.actors import Actor
from kernel.eventsourcing.envelope import Envelope, NewEvent


def open_case(inquiry: dict, catalogue: Catalogue, history: list[Envelope]) -> list[NewEvent]:
    """A submitted inquiry becomes a case (once: a redelivered inquiry changes nothing)."""
    if history:
        return []
    case_type = catalogue.get(inquiry["case_type"])
    received_on = date.fromisoformat(inquiry["received_on"])
    personal = inquiry["personal"]
    return [
        NewEvent(
            CASE_OPENED,
            {
                "case_id": inquiry["inquiry_id"],
                "inquiry_id": inquiry["inquiry_id"],
                "reference": inquiry["reference"],
                "case_type": case_type.id,
                "team": case_type.team,
                "language": inquiry["language"],
                "received_on": received_on.isoformat(),
                "due_date": catalogue.calendar.due_date(received_on, case_type.target).isoformat(),
                "subject_id": inquiry["subject_id"],
                # the inquiry's personal data, less its tracking link (None: already erased)
                "personal": None
                if personal is None
                else {k: personal[k] for k in ("organisation_number", "company", "contact", "description")},
            },
            schema_version=2,
        )
    ]


def claim(case: Case, handler: Actor) -> list[NewEvent]:
    require(case, ACTIVE, "claim")
    if case.handler is not None and case.handler.id == handler.id:
        return []
    return [
        NewEvent(
            CASE_CLAIMED,
            {**ids(case), **naming("handler", handler), **naming("previous_handler", case.handler)},
            schema_version=2,
        )
    ]


def assign(case: Case, assignee: str, assigned_by: Actor, catalogue: Catalogue) -> list[NewEvent]:
    """A team lead gives the case to (or moves it to) a member of the case type's team,
    named by actor id: the roster tells people apart by subject, not by name."""
    require(case, ACTIVE, "assign")
    team = catalogue.team_of(case.case_type)
    member = team.member(assignee) if team is not None else None
    if team is None or member is None or member.actor is None:
        raise IllegalTransition(
            "%(assignee)s is not in the team %(team)s",
            assignee=assignee,
            team=team.name.get("en", team.id) if team else "-",
        )
    if case.handler is not None and case.handler.id == member.actor.id:
        return []
    return [
        NewEvent(
            CASE_ASSIGNED,
            {
                **ids(case),
                **naming("handler", member.actor),
                **naming("previous_handler", case.handler),
                **naming("assigned_by", assigned_by),
            },
            schema_version=2,
        )
    ]


def release(case: Case, released_by: Actor) -> list[NewEvent]:
    """Its handler gives the case back to its queue, nobody's (a team lead moves it by
    assigning). A case nobody has is left as it is: a second release changes nothing."""
    require(case, ACTIVE, "release")
    if case.handler is None:
        return []
    require_handler(case, released_by)
    return [
        NewEvent(
            CASE_RELEASED,
            {**ids(case), **naming("handler", released_by), **naming("previous_handler", case.handler)},
        )
    ]


def add_note(
    case: Case, author: Actor, note: str, today: date, attachments: list[dict] | None = None
) -> list[NewEvent]:
    """An internal note: never shown to the applicant; sealed, as it may name people.
    `attachments`: the files of a further document the applicant sent in the portal."""
    if not case.exists:
        raise LookupError("no such case")
    text = require_text(note, "a note needs some text")
    return [
        NewEvent(
            NOTE_ADDED,
            {
                **ids(case),
                **naming("author", author),
                "noted_on": today.isoformat(),
                "subject_id": case.subject_id,
                "personal": {"note": text, **({"attachments": attachments} if attachments else {})},
            },
            schema_version=3,
        )
    ]


def change_status(
    case: Case, handler: Actor, status: str, today: date, catalogue: Catalogue
) -> list[NewEvent]:
    require(case, ("in_progress",), "change the status of")
    require_handler(case, handler)
    allowed = {s.id for s in catalogue.work_statuses()}
    if status not in allowed:
        raise IllegalTransition("status must be one of %(allowed)s", allowed=", ".join(sorted(allowed)))
    if status == case.status:
        return []
    return [
        NewEvent(
            STATUS_CHANGED,
            {
                **ids(case),
                **naming("handler", handler),
                "status": status,
                "previous_status": case.status,
                "changed_on": today.isoformat(),
            },
            schema_version=2,
        )
    ]
