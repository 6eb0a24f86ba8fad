"""Processing-time clocks, derived from the facts a case's events record and the rules in
force (target, extension, holiday calendar). Nothing here is stored by hand: change a rule,
replay the events, and every past case's figures follow. Pure logic."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta

from catalogue.casetypes import CaseType
from kernel.domain.calendar import Target, WorkingCalendar

SECTION_12_MONTHS = 6  # förvaltningslagen §12: after six months the applicant may demand a decision
SECTION_12_DECISION_WEEKS = 4  # ... which must then come within four weeks


@dataclass(frozen=True)
class Pause:
    start: date
    end: date | None = None  # None: still waiting for the applicant


@dataclass
class ClockFacts:
    """What happened to a case, in dates: all a clock needs."""

    received_on: date
    completed_on: date | None = None  # the application became complete (clock restarts there)
    pauses: list[Pause] = field(default_factory=list)
    extended: bool = False
    decided_on: date | None = None
    closed_on: date | None = None
    statuses: list[tuple[str, date]] = field(default_factory=list)  # (status, since)

    def pause(self, on: date) -> None:
        self.pauses.append(Pause(on))

    def resume(self, on: date) -> None:
        if self.pauses and self.pauses[-1].end is None:
            self.pauses[-1] = Pause(self.pauses[-1].start, on)

    def enter(self, status: str, on: date) -> None:
        self.statuses.append((status, on))


@dataclass(frozen=True)
class Clock:
    started_on: date  # the legal clock's start: received, or completed where the law says so
    due_date: date  # the legal deadline, moved by pauses and the extension
    promised_on: date  # the deadline counted from receipt without pauses: what the applicant was told
    net_days: int  # calendar days on the legal clock, pauses excluded
    gross_days: int  # calendar days the applicant actually waited
    paused_days: int  # calendar days waiting for the applicant, after the clock started
    paused_units: int  # the same pause in the target's own unit (working days for working-day targets)
    share_used: float  # of the time allowed, in the target's own unit
    days_late: int
    finished: bool  # decided or closed: the clock has stopped
    within_target_net: bool | None  # None until decided
    within_target_gross: bool | None
    fee_reduction_fifths: int  # building permits: one fifth per started week late
    section12_on: date  # from then the applicant may demand a decision (§12)
    section12_due: date
    time_in_status: dict[str, int]  # calendar days per status

    @property
    def overdue(self) -> bool:
        return self.days_late > 0


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def _pause_length(calendar: WorkingCalendar, target: Target, start: date, end: date) -> int:
    return calendar.pause_length(target, start, end) if end > start else 0


def _deadline(
    calendar: WorkingCalendar, start: date, case_type: CaseType, extended: bool, paused: int
) -> date:
    due = calendar.due_date(start, case_type.target, paused)
    extension = case_type.extension
    if extended and extension is not None:
        if extension.unit == case_type.target.unit:
            return calendar.due_date(
                start, Target(case_type.target.amount + extension.amount, extension.unit), paused
            )
        return calendar.due_date(due, extension)
    return due


def compute(facts: ClockFacts, case_type: CaseType, calendar: WorkingCalendar, today: date) -> Clock:
    target = case_type.target
    started = (
        facts.completed_on
        if case_type.clock_starts_when_complete and facts.completed_on
        else facts.received_on
    )
    stopped = facts.decided_on or facts.closed_on
    end = stopped or today
    # only the waiting after the clock started counts; a pause still open runs until `end`
    pauses = [(max(p.start, started), min(p.end or end, end)) for p in facts.pauses]
    pauses = [(a, b) for a, b in pauses if b > a]
    paused_units = sum(_pause_length(calendar, target, a, b) for a, b in pauses)
    paused_days = sum((b - a).days for a, b in pauses)
    due = _deadline(calendar, started, case_type, facts.extended, paused_units)
    promised = _deadline(calendar, facts.received_on, case_type, facts.extended, 0)
    if target.unit == "working_days":
        used = calendar.working_days_between(started, end) - paused_units
        allowed = target.amount + (
            case_type.extension.amount if facts.extended and case_type.extension else 0
        )
    else:
        used = (end - started).days - paused_units
        allowed = (due - started).days - paused_units
    days_late = max(0, (end - due).days)
    decided = facts.decided_on
    section12_on = add_months(facts.received_on, SECTION_12_MONTHS)
    return Clock(
        started_on=started,
        due_date=due,
        promised_on=promised,
        net_days=max(0, (end - started).days - paused_days),
        gross_days=(end - facts.received_on).days,
        paused_days=paused_days,
        paused_units=paused_units,
        share_used=round(used / allowed, 4) if allowed > 0 else 1.0,
        days_late=days_late,
        finished=stopped is not None,
        within_target_net=None if decided is None else decided <= due,
        within_target_gross=None if decided is None else decided <= promised,
        fee_reduction_fifths=min(5, math.ceil(days_late / 7)) if case_type.fee_reduction else 0,
        section12_on=section12_on,
        section12_due=section12_on + timedelta(weeks=SECTION_12_DECISION_WEEKS),
        time_in_status=_time_in_status(facts.statuses, end),
    )


def _time_in_status(statuses: list[tuple[str, date]], end: date) -> dict[str, int]:
    spent: dict[str, int] = {}
    if not statuses:
        return spent
    for (status, since), following in zip(statuses, [*statuses[1:], (None, end)], strict=True):
        until = min(following[1], end)
        spent[status] = spent.get(status, 0) + max(0, (until - since).days)
    return spent


def warning_due(clock: Clock, shares: tuple[float, ...], already: set[float]) -> float | None:
    """The highest warning share reached, if above every share already warned about
    (None: nothing new to say). A case first seen at 95 % gets one warning, not two."""
    if clock.finished:
        return None
    warned_up_to = max(already, default=0.0)
    reached = [s for s in shares if clock.share_used >= s and s > warned_up_to]
    return max(reached) if reached else None
