"""The Case aggregate: a handler's work on one inquiry, and its processing-time clock,
folded from the case's events (one small step per event type)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from business_desk.domain.clocks import Clock, ClockFacts, Pause, compute
from business_desk.domain.events import (
    APPLICANT_REPLIED,
    CASE_ASSIGNED,
    CASE_CLAIMED,
    CASE_CLOSED,
    CASE_DECIDED,
    CASE_OPENED,
    CASE_RELEASED,
    CASE_REOPENED,
    COMPLETION_REQUESTED,
    DEADLINE_EXTENDED,
    DEADLINE_WARNING_ISSUED,
    DELAY_NOTICE_SENT,
    PERSONAL_DATA_ERASED,
    STATUS_CHANGED,
    named,
)
from catalogue.casetypes import Catalogue
from kernel.domain.actors import Actor
from kernel.eventsourcing.envelope import Envelope

ACTIVE = ("open", "in_progress", "waiting_for_applicant")


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

    def enter(self, phase: str, on: date, status: str | None = None) -> None:
        """Move to `phase` (and its work status, the phase itself unless told) as of `on`."""
        self.phase, self.status = phase, status or phase
        assert self.facts is not None
        self.facts.enter(self.status, on)

    def apply(self, event: Envelope) -> None:
        self.history.append(event.type)
        if event.type == CASE_OPENED:
            _opened(self, event.data)
            return
        assert self.facts is not None
        step = STEPS.get(event.type)
        if step is not None:
            step(self, self.facts, event.data, event.occurred_at[:10])


def _opened(case: Case, data: dict[str, Any]) -> None:
    case.case_id, case.reference, case.case_type = data["case_id"], data["reference"], data["case_type"]
    case.subject_id = data["subject_id"]
    case.personal_erased = data["personal"] is None
    case.facts = ClockFacts(received_on=date.fromisoformat(data["received_on"]))
    case.enter("open", case.facts.received_on)


# One step per event type after the opening: (the case; its clock facts; the event's data;
# the day it happened, ISO). Each changes the case in place.
Step = Callable[[Case, ClockFacts, dict[str, Any], str], None]


def _handler_set(case: Case, facts: ClockFacts, data: dict[str, Any], on: str) -> None:
    case.handler = named(data, "handler")
    if case.phase == "open":
        case.enter("in_progress", date.fromisoformat(on))


def _released(case: Case, facts: ClockFacts, data: dict[str, Any], on: str) -> None:
    """Back in the queue, nobody's: the phase and work status stay as they were."""
    case.handler = None


def _status_changed(case: Case, facts: ClockFacts, data: dict[str, Any], on: str) -> None:
    case.enter("in_progress", date.fromisoformat(data["changed_on"]), data["status"])


def _completion_requested(case: Case, facts: ClockFacts, data: dict[str, Any], on: str) -> None:
    paused_on = date.fromisoformat(data["paused_on"])
    facts.pause(paused_on)
    case.enter("waiting_for_applicant", paused_on)


def _applicant_replied(case: Case, facts: ClockFacts, data: dict[str, Any], on: str) -> None:
    resumed_on = date.fromisoformat(data["resumed_on"])
    facts.resume(resumed_on)
    facts.completed_on = resumed_on
    case.enter("in_progress", resumed_on)


def _deadline_extended(case: Case, facts: ClockFacts, data: dict[str, Any], on: str) -> None:
    facts.extended = True


def _delay_notice_sent(case: Case, facts: ClockFacts, data: dict[str, Any], on: str) -> None:
    case.delay_notices += 1


def _warning_issued(case: Case, facts: ClockFacts, data: dict[str, Any], on: str) -> None:
    case.warned.add(data["share"])


def _decided(case: Case, facts: ClockFacts, data: dict[str, Any], on: str) -> None:
    facts.decided_on = date.fromisoformat(data["decided_on"])
    case.enter("decided", facts.decided_on)


def _closed(case: Case, facts: ClockFacts, data: dict[str, Any], on: str) -> None:
    facts.closed_on = date.fromisoformat(data["closed_on"])
    case.enter("closed", facts.closed_on)


def _reopened(case: Case, facts: ClockFacts, data: dict[str, Any], on: str) -> None:
    reopened_on = date.fromisoformat(data["reopened_on"])
    # the time between the decision (or closing) and reopening is not on the clock
    stopped_on = facts.decided_on or facts.closed_on or reopened_on
    facts.pauses.append(Pause(stopped_on, reopened_on))
    facts.decided_on = facts.closed_on = None
    case.warned = set()
    case.enter("in_progress" if case.handler else "open", reopened_on)


def _personal_data_erased(case: Case, facts: ClockFacts, data: dict[str, Any], on: str) -> None:
    case.personal_erased = True


# a note changes nothing the aggregate decides by, so it has no step
STEPS: dict[str, Step] = {
    CASE_CLAIMED: _handler_set,
    CASE_ASSIGNED: _handler_set,
    CASE_RELEASED: _released,
    STATUS_CHANGED: _status_changed,
    COMPLETION_REQUESTED: _completion_requested,
    APPLICANT_REPLIED: _applicant_replied,
    DEADLINE_EXTENDED: _deadline_extended,
    DELAY_NOTICE_SENT: _delay_notice_sent,
    DEADLINE_WARNING_ISSUED: _warning_issued,
    CASE_DECIDED: _decided,
    CASE_CLOSED: _closed,
    CASE_REOPENED: _reopened,
    PERSONAL_DATA_ERASED: _personal_data_erased,
}
