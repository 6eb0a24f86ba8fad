"""The Case aggregate: a handler's work on one inquiry, and its processing-time clock.
Pure logic: decisions take the history and return new events, or raise IllegalTransition."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from kernel.casetypes import CaseType, Catalogue
from kernel.envelope import Envelope, NewEvent

CASE_OPENED = "business_desk.case_opened"
CASE_CLAIMED = "business_desk.case_claimed"
COMPLETION_REQUESTED = "business_desk.completion_requested"
APPLICANT_REPLIED = "business_desk.applicant_replied"
CASE_DECIDED = "business_desk.case_decided"
PERSONAL_DATA_ERASED = "business_desk.personal_data_erased"

OUTCOMES = ("granted", "granted_with_conditions", "refused", "answered")
DEFAULT_REPLY_DAYS = 15  # working days, about the customary three weeks


class IllegalTransition(Exception):
    """The command is not allowed in the case's current state."""


def stream_id_for(case_id: str) -> str:
    return f"case-{case_id}"


@dataclass
class Case:
    case_id: str = ""
    reference: str = ""
    case_type: str = ""
    status: str = "new"  # new -> open -> in_progress <-> waiting_for_applicant -> decided
    handler: str | None = None
    subject_id: str = ""
    received_on: date | None = None
    decided_on: date | None = None
    personal_erased: bool = False
    clock_started_on: date | None = None
    paused_on: date | None = None
    paused_days: int = 0
    due_date: date | None = None
    history: list[str] = field(default_factory=list)

    @property
    def exists(self) -> bool:
        return self.status != "new"

    @classmethod
    def from_history(cls, events: list[Envelope]) -> Case:
        case = cls()
        for event in events:
            case.apply(event)
        return case

    def apply(self, event: Envelope) -> None:
        data = event.data
        self.history.append(event.type)
        if event.type == CASE_OPENED:
            self.case_id, self.reference, self.case_type = (
                data["case_id"],
                data["reference"],
                data["case_type"],
            )
            self.subject_id = data["subject_id"]
            self.personal_erased = data["personal"] is None
            self.received_on = self.clock_started_on = date.fromisoformat(data["received_on"])
            self.due_date = date.fromisoformat(data["due_date"])
            self.status = "open"
        elif event.type == CASE_CLAIMED:
            self.handler = data["handler"]
            if self.status == "open":
                self.status = "in_progress"
        elif event.type == COMPLETION_REQUESTED:
            self.status = "waiting_for_applicant"
            self.paused_on = date.fromisoformat(data["paused_on"])
        elif event.type == APPLICANT_REPLIED:
            self.status = "in_progress"
            self.paused_on = None
            self.paused_days = data["paused_days"]
            self.clock_started_on = date.fromisoformat(data["clock_started_on"])
            self.due_date = date.fromisoformat(data["due_date"])
        elif event.type == CASE_DECIDED:
            self.status = "decided"
            self.decided_on = date.fromisoformat(data["decided_on"])
        elif event.type == PERSONAL_DATA_ERASED:
            self.personal_erased = True


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


def _require(case: Case, allowed: tuple[str, ...], action: str) -> None:
    if not case.exists:
        raise LookupError("no such case")
    if case.status not in allowed:
        hint = "; claim it first" if case.status == "open" and "in_progress" in allowed else ""
        raise IllegalTransition(f"cannot {action} a case that is {case.status.replace('_', ' ')}{hint}")


def claim(case: Case, handler: str) -> list[NewEvent]:
    _require(case, ("open", "in_progress", "waiting_for_applicant"), "claim")
    if case.handler == handler:
        return []
    return [
        NewEvent(
            CASE_CLAIMED,
            {
                "case_id": case.case_id,
                "reference": case.reference,
                "handler": handler,
                "previous_handler": case.handler,
            },
        )
    ]


def request_completion(
    case: Case, handler: str, message: str, today: date, catalogue: Catalogue, reply_by: date | None = None
) -> list[NewEvent]:
    _require(case, ("in_progress",), "request completion for")
    _require_handler(case, handler)
    if not message.strip():
        raise IllegalTransition("say what the applicant must complete")
    reply_by = reply_by or catalogue.calendar.add_working_days(today, DEFAULT_REPLY_DAYS)
    if reply_by <= today:
        raise IllegalTransition("the reply date must be in the future")
    return [
        NewEvent(
            COMPLETION_REQUESTED,
            {
                "case_id": case.case_id,
                "reference": case.reference,
                "handler": handler,
                "reply_by": reply_by.isoformat(),
                "paused_on": today.isoformat(),
                "subject_id": case.subject_id,
                "personal": {"message": message.strip()},
            },
            schema_version=2,
        )
    ]


def register_reply(case: Case, reply: str, today: date, catalogue: Catalogue) -> list[NewEvent]:
    """The applicant's completion arrived: the clock resumes, or, where the law counts
    from the complete application (building permits), starts again."""
    _require(case, ("waiting_for_applicant",), "register a reply for")
    case_type: CaseType = catalogue.get(case.case_type)
    calendar = catalogue.calendar
    assert case.paused_on is not None and case.clock_started_on is not None
    if case_type.clock_starts_when_complete:
        clock_started_on, paused_days = today, 0
    else:
        clock_started_on = case.clock_started_on
        paused_days = case.paused_days + calendar.pause_length(case_type.target, case.paused_on, today)
    due = calendar.due_date(clock_started_on, case_type.target, paused_days)
    return [
        NewEvent(
            APPLICANT_REPLIED,
            {
                "case_id": case.case_id,
                "reference": case.reference,
                "resumed_on": today.isoformat(),
                "clock_started_on": clock_started_on.isoformat(),
                "paused_days": paused_days,
                "due_date": due.isoformat(),
                "subject_id": case.subject_id,
                "personal": {"reply": reply.strip()},
            },
            schema_version=2,
        )
    ]


def decide(
    case: Case, handler: str, outcome: str, answer: str, today: date, catalogue: Catalogue
) -> list[NewEvent]:
    _require(case, ("in_progress",), "decide")
    _require_handler(case, handler)
    if outcome not in OUTCOMES:
        raise IllegalTransition(f"outcome must be one of {', '.join(OUTCOMES)}")
    if not answer.strip():
        raise IllegalTransition("a decision needs a written answer")
    assert case.received_on is not None and case.due_date is not None
    return [
        NewEvent(
            CASE_DECIDED,
            {
                "case_id": case.case_id,
                "reference": case.reference,
                "handler": handler,
                "outcome": outcome,
                "legal_reference": catalogue.get(case.case_type).legal_reference,
                "decided_on": today.isoformat(),
                "due_date": case.due_date.isoformat(),
                "within_target": today <= case.due_date,
                "gross_days": (today - case.received_on).days,
                "subject_id": case.subject_id,
                "personal": {"answer": answer.strip()},
            },
            schema_version=2,
        )
    ]


def erasure_due(case: Case, today: date, retention_days: int) -> bool:
    """Personal data in a decided case is kept `retention_days` after the decision."""
    return (
        case.status == "decided"
        and not case.personal_erased
        and case.decided_on is not None
        and case.decided_on + timedelta(days=retention_days) <= today
    )


def erase_personal_data(case: Case, today: date, reason: str) -> list[NewEvent]:
    """Record that the case's personal data was erased (its subject's key destroyed).
    Only a decided case: an open one still needs its applicant."""
    if not case.exists:
        raise LookupError("no such case")
    if case.personal_erased:
        return []
    if case.status != "decided":
        raise IllegalTransition("personal data can only be erased once the case is decided")
    if not reason.strip():
        raise IllegalTransition("say why the personal data is erased")
    return [
        NewEvent(
            PERSONAL_DATA_ERASED,
            {
                "case_id": case.case_id,
                "reference": case.reference,
                "subject_id": case.subject_id,
                "erased_on": today.isoformat(),
                "reason": reason.strip(),
            },
        )
    ]


def _require_handler(case: Case, handler: str) -> None:
    if case.handler != handler:
        raise IllegalTransition(f"the case is handled by {case.handler or 'nobody'}; claim it first")
