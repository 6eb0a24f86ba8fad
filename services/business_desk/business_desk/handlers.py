"""Use cases of business_desk: one function per command or consumed event."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, timedelta

from pymongo.client_session import ClientSession

from business_desk import domain
from business_desk.bootstrap import Deps
from business_desk.domain import Case
from kernel.domain.actors import Actor
from kernel.eventsourcing.envelope import Envelope, Metadata, NewEvent
from kernel.eventsourcing.eventstore import execute
from kernel.platform import telemetry
from kernel.platform.isolation import each_alone


def open_case_from_inquiry(deps: Deps) -> Callable[[Envelope, ClientSession | None], None]:
    def handle(event: Envelope, session: ClientSession | None) -> None:
        execute(
            deps.store,
            domain.stream_id_for(event.data["inquiry_id"]),
            lambda history: domain.open_case(event.data, deps.catalogue, history),
            Metadata.caused_by(event),
            session=session,
        )

    return handle


def register_portal_answer(deps: Deps) -> Callable[[Envelope, ClientSession | None], None]:
    """intake.completion_answered: the applicant answered in the portal."""

    def handle(event: Envelope, session: ClientSession | None) -> None:
        personal = event.data["personal"]
        if personal is None:
            return  # the applicant's data was erased since: nothing to register
        today = deps.clock().date()
        execute(
            deps.store,
            domain.stream_id_for(event.data["inquiry_id"]),
            lambda history: domain.answer_from_portal(
                Case.from_history(history), personal["answer"], personal["attachments"], today, deps.catalogue
            ),
            Metadata.caused_by(event),
            session=session,
        )

    return handle


def record_survey_answer(deps: Deps) -> Callable[[Envelope, ClientSession | None], None]:
    """intake.survey_answered: the scores count in the survey figures; a comment, text
    only, joins the case page as a note."""

    def handle(event: Envelope, session: ClientSession | None) -> None:
        if deps.satisfaction is not None:
            deps.satisfaction.record(event, session)
        comment = (event.data.get("personal") or {}).get("comment") or ""
        if not comment.strip():
            return
        today = deps.clock().date()
        execute(
            deps.store,
            domain.stream_id_for(event.data["inquiry_id"]),
            lambda history: domain.survey_comment(Case.from_history(history), comment, today),
            Metadata.caused_by(event),
            session=session,
        )

    return handle


def _on_case(deps: Deps, case_id: str, decide: Callable[[Case, date], list[NewEvent]]) -> list[Envelope]:
    today = deps.clock().date()
    return execute(
        deps.store,
        domain.stream_id_for(case_id),
        lambda history: decide(Case.from_history(history), today),
        Metadata.new(telemetry.current_traceparent()),
    )


def claim(deps: Deps, case_id: str, handler: Actor) -> list[Envelope]:
    return _on_case(deps, case_id, lambda case, today: domain.claim(case, handler))


def release(deps: Deps, case_id: str, handler: Actor) -> list[Envelope]:
    return _on_case(deps, case_id, lambda case, today: domain.release(case, handler))


def assign(deps: Deps, case_id: str, assignee: str, assigned_by: Actor) -> list[Envelope]:
    return _on_case(
        deps, case_id, lambda case, today: domain.assign(case, assignee, assigned_by, deps.catalogue)
    )


def add_note(deps: Deps, case_id: str, author: Actor, note: str) -> list[Envelope]:
    return _on_case(deps, case_id, lambda case, today: domain.add_note(case, author, note, today))


def change_status(deps: Deps, case_id: str, handler: Actor, status: str) -> list[Envelope]:
    return _on_case(
        deps, case_id, lambda case, today: domain.change_status(case, handler, status, today, deps.catalogue)
    )


def extend_deadline(deps: Deps, case_id: str, handler: Actor, reason: str) -> list[Envelope]:
    return _on_case(
        deps,
        case_id,
        lambda case, today: domain.extend_deadline(case, handler, reason, today, deps.catalogue),
    )


def send_delay_notice(
    deps: Deps, case_id: str, handler: Actor, reason: str, expected_by: date
) -> list[Envelope]:
    return _on_case(
        deps,
        case_id,
        lambda case, today: domain.send_delay_notice(
            case, handler, reason, expected_by, today, deps.catalogue
        ),
    )


def close(deps: Deps, case_id: str, handler: Actor, reason: str) -> list[Envelope]:
    return _on_case(deps, case_id, lambda case, today: domain.close(case, handler, reason, today))


def reopen(deps: Deps, case_id: str, handler: Actor, reason: str) -> list[Envelope]:
    return _on_case(deps, case_id, lambda case, today: domain.reopen(case, handler, reason, today))


def request_completion(
    deps: Deps,
    case_id: str,
    handler: Actor,
    message: str,
    reply_by: date | None = None,
    documents: list[dict] | None = None,
) -> list[Envelope]:
    """`documents`: files stored already (business_desk.documents), described."""
    return _on_case(
        deps,
        case_id,
        lambda case, today: domain.request_completion(
            case, handler, message, today, deps.catalogue, reply_by, documents
        ),
    )


def register_reply(deps: Deps, case_id: str, reply: str) -> list[Envelope]:
    return _on_case(
        deps, case_id, lambda case, today: domain.register_reply(case, reply, today, deps.catalogue)
    )


def decide(
    deps: Deps,
    case_id: str,
    handler: Actor,
    outcome: str,
    answer: str,
    legal_reference: str | None = None,
    documents: list[dict] | None = None,
) -> list[Envelope]:
    return _on_case(
        deps,
        case_id,
        lambda case, today: domain.decide(
            case, handler, outcome, answer, today, deps.catalogue, legal_reference, documents
        ),
    )


def issue_warnings(deps: Deps) -> list[str]:
    """Warn about every open case that has used a warning share of its time since the last
    look. Returns the ids of the cases warned about. Safe to run as often as wanted."""
    assert deps.cases is not None

    def warn(case_id: str) -> list[Envelope]:
        return _on_case(deps, case_id, lambda case, today: domain.issue_warning(case, today, deps.catalogue))

    return [
        case_id
        for case_id, events in each_alone("deadline warnings", deps.cases.active_ids(), warn)
        if events
    ]


def erase_personal_data(deps: Deps, case_id: str, reason: str) -> list[Envelope]:
    """Destroy the case's data subject key, then record it: every event of the case, in
    every store and topic, can no longer be opened. Retried safely: erasing is idempotent."""

    def decide(case: Case, today: date) -> list[NewEvent]:
        events = domain.erase_personal_data(case, today, reason)
        if events:
            assert deps.personal is not None, "erasing needs the key vault"
            deps.personal.vault.erase(case.subject_id, reason)
        return events

    recorded = _on_case(deps, case_id, decide)
    if deps.documents is not None:
        deps.documents.delete_for(case_id)  # the documents sent to the applicant go with it
    return recorded


def erase_expired(deps: Deps) -> list[str]:
    """Erase the personal data of every case decided (or closed) more than the retention period ago.
    Returns the references erased."""
    assert deps.cases is not None
    today = deps.clock().date()

    def erase_if_due(doc: dict) -> str | None:
        case = Case.from_history(deps.store.load(domain.stream_id_for(doc["_id"])))
        if not domain.erasure_due(case, today, deps.settings.retention_days):
            return None
        erase_personal_data(deps, case.case_id, "retention")
        return case.reference

    candidates = deps.cases.erasure_candidates(today - timedelta(days=deps.settings.retention_days))
    return [reference for _, reference in each_alone("retention", candidates, erase_if_due) if reference]


def deadline_round(deps: Deps) -> list[str]:
    """The deadlines job's round: warn the handler and the team lead about open cases that
    have used a warning share of their time (e.g. 70 and 90 %). Each warning is an event of
    the case; notify emails it."""
    warned = issue_warnings(deps)
    if warned:
        logging.getLogger("business_desk.deadlines").info(
            "warned about %d cases close to their deadline", len(warned)
        )
    return warned


def retention_round(deps: Deps) -> list[str]:
    """The retention job's round: erase the personal data of cases decided longer ago than
    RETENTION_DAYS."""
    erased = erase_expired(deps)
    if erased:
        logging.getLogger("business_desk.retention").info(
            "erased the personal data of %d decided cases: %s", len(erased), ", ".join(erased)
        )
    return erased
