"""The Case aggregate: a handler's work on one inquiry, and its processing-time clock.
Pure logic: decisions take the history and return new events, or raise IllegalTransition."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from business_desk.domain.clocks import Clock, ClockFacts, Pause, compute, warning_due
from catalogue.casetypes import Catalogue
from kernel.domain.actors import Actor
from kernel.eventsourcing.envelope import Envelope, NewEvent

CASE_OPENED = "business_desk.case_opened"
CASE_CLAIMED = "business_desk.case_claimed"
CASE_ASSIGNED = "business_desk.case_assigned"
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

OUTCOMES = ("granted", "granted_with_conditions", "refused", "answered")
DEFAULT_REPLY_DAYS = 15  # working days, about the customary three weeks
ACTIVE = ("open", "in_progress", "waiting_for_applicant")
# who writes the applicant's own answers sent in the portal, when kept as a note
PORTAL_APPLICANT = Actor("applicant:portal", "Sökanden (e-tjänsten)")


class IllegalTransition(Exception):
    """The command is not allowed in the case's current state. The message is an English
    gettext message id with named parameters, so a page can word it in its own language."""

    def __init__(self, message: str, **params: str) -> None:
        super().__init__(message % params if params else message)
        self.message_id, self.params = message, params


def stream_id_for(case_id: str) -> str:
    return f"case-{case_id}"


@dataclass
class Case:
    case_id: str = ""
    reference: str = ""
    case_type: str = ""
    phase: str = "new"  # new -> open -> in_progress <-> waiting_for_applicant -> decided -> closed
    status: str = "new"  # the configurable status (a work status within in_progress)
    handler: Actor | None = None
    subject_id: str = ""
    facts: ClockFacts | None = None
    warned: set[float] = field(default_factory=set)
    delay_notices: int = 0
    personal_erased: bool = False
    history: list[str] = field(default_factory=list)

    @property
    def exists(self) -> bool:
        return self.phase != "new"

    @property
    def decided_on(self) -> date | None:
        return self.facts.decided_on if self.facts else None

    @property
    def extended(self) -> bool:
        return bool(self.facts and self.facts.extended)

    def clock(self, catalogue: Catalogue, today: date) -> Clock:
        assert self.facts is not None
        return compute(self.facts, catalogue.get(self.case_type), catalogue.calendar, today)

    @classmethod
    def from_history(cls, events: list[Envelope]) -> Case:
        case = cls()
        for event in events:
            case.apply(event)
        return case

    def _enter(self, phase: str, on: date, status: str | None = None) -> None:
        self.phase, self.status = phase, status or phase
        assert self.facts is not None
        self.facts.enter(self.status, on)

    def apply(self, event: Envelope) -> None:
        data, kind = event.data, event.type
        on = event.occurred_at[:10]
        self.history.append(kind)
        if kind == CASE_OPENED:
            self.case_id, self.reference, self.case_type = (
                data["case_id"],
                data["reference"],
                data["case_type"],
            )
            self.subject_id = data["subject_id"]
            self.personal_erased = data["personal"] is None
            self.facts = ClockFacts(received_on=date.fromisoformat(data["received_on"]))
            self._enter("open", self.facts.received_on)
            return
        assert self.facts is not None
        facts = self.facts
        if kind in (CASE_CLAIMED, CASE_ASSIGNED):
            self.handler = named(data, "handler")
            if self.phase == "open":
                self._enter("in_progress", date.fromisoformat(on))
        elif kind == STATUS_CHANGED:
            self._enter("in_progress", date.fromisoformat(data["changed_on"]), data["status"])
        elif kind == COMPLETION_REQUESTED:
            paused_on = date.fromisoformat(data["paused_on"])
            facts.pause(paused_on)
            self._enter("waiting_for_applicant", paused_on)
        elif kind == APPLICANT_REPLIED:
            resumed_on = date.fromisoformat(data["resumed_on"])
            facts.resume(resumed_on)
            facts.completed_on = resumed_on
            self._enter("in_progress", resumed_on)
        elif kind == DEADLINE_EXTENDED:
            facts.extended = True
        elif kind == DELAY_NOTICE_SENT:
            self.delay_notices += 1
        elif kind == DEADLINE_WARNING_ISSUED:
            self.warned.add(data["share"])
        elif kind == CASE_DECIDED:
            facts.decided_on = date.fromisoformat(data["decided_on"])
            self._enter("decided", facts.decided_on)
        elif kind == CASE_CLOSED:
            facts.closed_on = date.fromisoformat(data["closed_on"])
            self._enter("closed", facts.closed_on)
        elif kind == CASE_REOPENED:
            reopened_on = date.fromisoformat(data["reopened_on"])
            # the time between the decision (or closing) and reopening is not on the clock
            stopped_on = facts.decided_on or facts.closed_on or reopened_on
            facts.pauses.append(Pause(stopped_on, reopened_on))
            facts.decided_on = facts.closed_on = None
            self.warned = set()
            self._enter("in_progress" if self.handler else "open", reopened_on)
        elif kind == PERSONAL_DATA_ERASED:
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


def _require(case: Case, phases: tuple[str, ...], action: str) -> None:
    if not case.exists:
        raise LookupError("no such case")
    if case.phase not in phases:
        claim_first = case.phase == "open" and "in_progress" in phases
        message = "cannot %(action)s a case that is %(phase)s" + ("; claim it first" if claim_first else "")
        raise IllegalTransition(message, action=action, phase=case.phase.replace("_", " "))


def named(data: dict, role: str) -> Actor | None:
    """The actor an event names in `role` (`<role>_id` says who, `<role>` their name)."""
    who = data.get(f"{role}_id")
    return Actor(who, data.get(role) or who) if who else None


def _naming(role: str, actor: Actor | None) -> dict[str, str | None]:
    """How an event names an actor: who (`<role>_id`) and, for showing, their name."""
    return {role: actor.name if actor else None, f"{role}_id": actor.id if actor else None}


def _require_handler(case: Case, handler: Actor) -> None:
    """Only the case's own handler, told apart by who they are, never by their name."""
    if case.handler is None or case.handler.id != handler.id:
        if case.handler is None:
            raise IllegalTransition("nobody handles the case yet; claim it first")
        raise IllegalTransition(
            "the case is handled by %(handler)s; claim it first", handler=case.handler.name
        )


def _require_text(text: str, why: str) -> str:
    if not text.strip():
        raise IllegalTransition(why)
    return text.strip()


def _ids(case: Case) -> dict[str, str]:
    return {"case_id": case.case_id, "reference": case.reference}


def claim(case: Case, handler: Actor) -> list[NewEvent]:
    _require(case, ACTIVE, "claim")
    if case.handler is not None and case.handler.id == handler.id:
        return []
    return [
        NewEvent(
            CASE_CLAIMED,
            {**_ids(case), **_naming("handler", handler), **_naming("previous_handler", case.handler)},
            schema_version=2,
        )
    ]


def assign(case: Case, assignee: str, assigned_by: Actor, catalogue: Catalogue) -> list[NewEvent]:
    """A team lead gives the case to (or moves it to) a member of the case type's team,
    named by actor id: the roster tells people apart by subject, not by name."""
    _require(case, ACTIVE, "assign")
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
                **_ids(case),
                **_naming("handler", member.actor),
                **_naming("previous_handler", case.handler),
                **_naming("assigned_by", assigned_by),
            },
            schema_version=2,
        )
    ]


def add_note(case: Case, author: Actor, note: str, today: date) -> list[NewEvent]:
    """An internal note: never shown to the applicant; sealed, as it may name people."""
    if not case.exists:
        raise LookupError("no such case")
    text = _require_text(note, "a note needs some text")
    return [
        NewEvent(
            NOTE_ADDED,
            {
                **_ids(case),
                **_naming("author", author),
                "noted_on": today.isoformat(),
                "subject_id": case.subject_id,
                "personal": {"note": text},
            },
            schema_version=2,
        )
    ]


def change_status(
    case: Case, handler: Actor, status: str, today: date, catalogue: Catalogue
) -> list[NewEvent]:
    _require(case, ("in_progress",), "change the status of")
    _require_handler(case, handler)
    allowed = {s.id for s in catalogue.work_statuses()}
    if status not in allowed:
        raise IllegalTransition("status must be one of %(allowed)s", allowed=", ".join(sorted(allowed)))
    if status == case.status:
        return []
    return [
        NewEvent(
            STATUS_CHANGED,
            {
                **_ids(case),
                **_naming("handler", handler),
                "status": status,
                "previous_status": case.status,
                "changed_on": today.isoformat(),
            },
            schema_version=2,
        )
    ]


def request_completion(
    case: Case, handler: Actor, message: str, today: date, catalogue: Catalogue, reply_by: date | None = None
) -> list[NewEvent]:
    _require(case, ("in_progress",), "request completion for")
    _require_handler(case, handler)
    text = _require_text(message, "say what the applicant must complete")
    reply_by = reply_by or catalogue.calendar.add_working_days(today, DEFAULT_REPLY_DAYS)
    if reply_by <= today:
        raise IllegalTransition("the reply date must be in the future")
    return [
        NewEvent(
            COMPLETION_REQUESTED,
            {
                **_ids(case),
                **_naming("handler", handler),
                "reply_by": reply_by.isoformat(),
                "paused_on": today.isoformat(),
                "subject_id": case.subject_id,
                "personal": {"message": text},
            },
            schema_version=3,
        )
    ]


def register_reply(
    case: Case, reply: str, today: date, catalogue: Catalogue, attachments: list[dict] | None = None
) -> list[NewEvent]:
    """The applicant's completion arrived: the clock resumes, or, where the law counts
    from the complete application (building permits), starts again. `attachments`: the
    files the applicant sent with an answer in the portal."""
    _require(case, ("waiting_for_applicant",), "register a reply for")
    text = _require_text(reply, "say what the applicant sent")
    assert case.facts is not None
    facts = replace(case.facts, pauses=list(case.facts.pauses))  # as it will be after the reply
    facts.resume(today)
    facts.completed_on = today
    clock = compute(facts, catalogue.get(case.case_type), catalogue.calendar, today)
    return [
        NewEvent(
            APPLICANT_REPLIED,
            {
                **_ids(case),
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


def extend_deadline(
    case: Case, handler: Actor, reason: str, today: date, catalogue: Catalogue
) -> list[NewEvent]:
    """Move the deadline once, by the case type's extension, with a recorded reason."""
    _require(case, ("in_progress", "waiting_for_applicant"), "extend the deadline of")
    _require_handler(case, handler)
    if case.extended:
        raise IllegalTransition("the deadline has already been extended once")
    text = _require_text(reason, "an extension needs a recorded reason")
    case_type = catalogue.get(case.case_type)
    assert case.facts is not None and case_type.extension is not None
    facts = replace(case.facts, extended=True)
    clock = compute(facts, case_type, catalogue.calendar, today)
    return [
        NewEvent(
            DEADLINE_EXTENDED,
            {
                **_ids(case),
                **_naming("handler", handler),
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
    _require(case, ACTIVE, "send a delay notice for")
    _require_handler(case, handler)
    text = _require_text(reason, "say why the case is delayed")
    if expected_by <= today:
        raise IllegalTransition("the expected decision date must be in the future")
    return [
        NewEvent(
            DELAY_NOTICE_SENT,
            {
                **_ids(case),
                **_naming("handler", handler),
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
                **_ids(case),
                "case_type": case.case_type,
                "share": share,
                "share_used": clock.share_used,
                "due_date": clock.due_date.isoformat(),
                **_naming("handler", case.handler),
                "recipients": recipients,
                "warned_on": today.isoformat(),
            },
            schema_version=2,
        )
    ]


def decide(
    case: Case,
    handler: Actor,
    outcome: str,
    answer: str,
    today: date,
    catalogue: Catalogue,
    legal_reference: str | None = None,
) -> list[NewEvent]:
    _require(case, ("in_progress",), "decide")
    _require_handler(case, handler)
    if outcome not in OUTCOMES:
        raise IllegalTransition("outcome must be one of %(allowed)s", allowed=", ".join(OUTCOMES))
    text = _require_text(answer, "a decision needs a written answer")
    assert case.facts is not None
    facts = replace(case.facts, decided_on=today)
    clock = compute(facts, catalogue.get(case.case_type), catalogue.calendar, today)
    return [
        NewEvent(
            CASE_DECIDED,
            {
                **_ids(case),
                **_naming("handler", handler),
                "outcome": outcome,
                "legal_reference": (legal_reference or "").strip()
                or catalogue.get(case.case_type).legal_reference,
                "decided_on": today.isoformat(),
                "due_date": clock.due_date.isoformat(),
                "within_target": bool(clock.within_target_net),
                "gross_days": clock.gross_days,
                "subject_id": case.subject_id,
                "personal": {"answer": text},
            },
            schema_version=3,
        )
    ]


def close(case: Case, handler: Actor, reason: str, today: date) -> list[NewEvent]:
    """Close a decided case (filed), or an undecided one (withdrawn, written off) with a reason."""
    _require(case, (*ACTIVE, "decided"), "close")
    text = _require_text(reason, "say why the case is closed")
    return [
        NewEvent(
            CASE_CLOSED,
            {
                **_ids(case),
                **_naming("handler", handler),
                "closed_on": today.isoformat(),
                "decided": case.phase == "decided",
                "subject_id": case.subject_id,
                "personal": {"reason": text},
            },
            schema_version=2,
        )
    ]


def reopen(case: Case, handler: Actor, reason: str, today: date) -> list[NewEvent]:
    """Reopen a decided or closed case (e.g. after an appeal); the clock runs again."""
    _require(case, ("decided", "closed"), "reopen")
    if case.personal_erased:
        raise IllegalTransition("the case's personal data has been erased; open a new case instead")
    text = _require_text(reason, "say why the case is reopened")
    return [
        NewEvent(
            CASE_REOPENED,
            {
                **_ids(case),
                **_naming("handler", handler),
                "reopened_on": today.isoformat(),
                "subject_id": case.subject_id,
                "personal": {"reason": text},
            },
            schema_version=2,
        )
    ]


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
    text = _require_text(reason, "say why the personal data is erased")
    return [
        NewEvent(
            PERSONAL_DATA_ERASED,
            {**_ids(case), "subject_id": case.subject_id, "erased_on": today.isoformat(), "reason": text},
        )
    ]


def answer_from_portal(
    case: Case, answer: str, attachments: list[dict], today: date, catalogue: Catalogue
) -> list[NewEvent]:
    """The applicant's answer sent in the portal: the reply, if the case waits for one;
    otherwise (the handler already registered a reply) kept as a note, so nothing is lost."""
    files = ", ".join(f["filename"] for f in attachments)
    text = "\n".join(part for part in (answer.strip(), f"Bifogade filer: {files}" if files else "") if part)
    if case.exists and case.phase == "waiting_for_applicant":
        return register_reply(case, text, today, catalogue, attachments)
    return add_note(case, PORTAL_APPLICANT, text, today)
