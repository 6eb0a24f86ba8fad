"""Every clock rule, on fixed dates and the Swedish and Danish holiday calendars."""

from __future__ import annotations

from datetime import date

import pytest

from business_desk.domain.clocks import ClockFacts, Pause, add_months, compute, warning_due
from catalogue.casetypes import CaseType
from kernel.domain.calendar import Target, WorkingCalendar

SE = WorkingCalendar("SE")
DK = WorkingCalendar("DK")


def case_type(amount: int, unit: str, complete: bool = False, fee: bool = False, extension=None) -> CaseType:
    return CaseType(
        id="t",
        name={"en": "T"},
        description={},
        target=Target(amount, unit),  # type: ignore[arg-type]
        kind="legal",
        legal_reference="",
        team="x",
        clock_starts_when_complete=complete,
        extension=extension or Target(amount, unit),  # type: ignore[arg-type]
        fee_reduction=fee,
    )


def d(text: str) -> date:
    return date.fromisoformat(text)


def test_working_days_skip_weekends_and_swedish_holidays():
    # Wed 23 Dec 2026 + 3 working days: 24-26 Dec closed, 27 Sun, Mon 28, Tue 29, Wed 30
    clock = compute(ClockFacts(d("2026-12-23")), case_type(3, "working_days"), SE, d("2026-12-23"))
    assert clock.due_date == d("2026-12-30")
    # Denmark keeps 24 Dec as a holiday but not New Year's Eve
    assert compute(
        ClockFacts(d("2026-12-29")), case_type(2, "working_days"), DK, d("2026-12-29")
    ).due_date == d("2026-12-31")
    assert compute(
        ClockFacts(d("2026-12-29")), case_type(2, "working_days"), SE, d("2026-12-29")
    ).due_date == d("2027-01-04")


def test_a_weeks_deadline_landing_on_a_holiday_moves_to_the_next_working_day():
    # 10 weeks from 24 Apr 2026 is Fri 3 Jul; 8 weeks from 8 May 2026 is Fri 3 Jul too,
    # 6 weeks from 8 May is Fri 19 Jun: Midsummer Eve, closed -> Mon 22 Jun
    assert compute(ClockFacts(d("2026-05-08")), case_type(6, "weeks"), SE, d("2026-05-08")).due_date == d(
        "2026-06-22"
    )


def test_a_pause_across_a_weekend_counts_in_the_targets_unit():
    facts = ClockFacts(d("2026-11-26"), pauses=[Pause(d("2026-11-27"), d("2026-12-01"))])  # Fri -> Tue
    days = compute(facts, case_type(2, "working_days"), SE, d("2026-12-01"))
    assert (days.paused_units, days.paused_days) == (2, 4)  # Mon and Tue; four calendar days
    assert days.due_date == d("2026-12-02")
    weeks = compute(facts, case_type(2, "weeks"), SE, d("2026-12-01"))
    assert weeks.paused_units == 4 and weeks.due_date == d("2026-12-14")  # 10 Dec + 4 days


def test_an_open_pause_runs_until_today_and_the_clock_does_not_use_time_meanwhile():
    facts = ClockFacts(d("2026-11-02"), pauses=[Pause(d("2026-11-09"))])
    on_the_9th = compute(facts, case_type(8, "weeks"), SE, d("2026-11-09"))
    a_week_later = compute(facts, case_type(8, "weeks"), SE, d("2026-11-16"))
    assert on_the_9th.share_used == a_week_later.share_used == round(7 / 56, 4)
    assert a_week_later.net_days == 7 and a_week_later.gross_days == 14


def test_the_legal_clock_restarts_when_the_application_is_complete():
    facts = ClockFacts(
        d("2026-11-02"), completed_on=d("2026-11-30"), pauses=[Pause(d("2026-11-04"), d("2026-11-30"))]
    )
    permit = compute(facts, case_type(10, "weeks", complete=True), SE, d("2026-12-10"))
    assert permit.started_on == d("2026-11-30") and permit.due_date == d("2027-02-08")
    assert permit.paused_days == 0  # the pause lies before the clock started
    assert permit.net_days == 10 and permit.gross_days == 38
    assert permit.promised_on == d("2027-01-11")  # what receipt promised: 10 weeks from 2 Nov
    other = compute(facts, case_type(10, "weeks"), SE, d("2026-12-10"))
    assert other.started_on == d("2026-11-02") and other.paused_days == 26


def test_the_extension_moves_the_deadline_once_by_its_amount():
    facts = ClockFacts(d("2026-11-02"), extended=True)
    clock = compute(facts, case_type(10, "weeks", extension=Target(10, "weeks")), SE, d("2026-11-02"))
    assert clock.due_date == d("2027-03-22")  # 20 weeks
    mixed = compute(facts, case_type(2, "working_days", extension=Target(1, "weeks")), SE, d("2026-11-02"))
    assert mixed.due_date == d("2026-11-11")  # 4 Nov + 1 week


def test_decided_cases_are_within_target_net_and_gross_separately():
    facts = ClockFacts(
        d("2026-11-02"), pauses=[Pause(d("2026-11-09"), d("2026-11-23"))], decided_on=d("2027-01-05")
    )
    clock = compute(facts, case_type(8, "weeks"), SE, d("2027-03-01"))
    assert clock.finished and clock.due_date == d("2027-01-11")
    assert clock.within_target_net is True  # pauses excluded
    assert clock.within_target_gross is False  # the applicant was promised 28 Dec
    assert (clock.net_days, clock.gross_days) == (50, 64)


def test_building_permit_fee_drops_one_fifth_per_started_week_late():
    permit = case_type(10, "weeks", fee=True)
    due = d("2027-01-11")
    for decided, fifths in [
        ("2027-01-11", 0),
        ("2027-01-12", 1),
        ("2027-01-18", 1),
        ("2027-01-19", 2),
        ("2027-06-01", 5),
    ]:
        clock = compute(ClockFacts(d("2026-11-02"), decided_on=d(decided)), permit, SE, d(decided))
        assert clock.due_date == due and clock.fee_reduction_fifths == fifths, decided
    assert (
        compute(
            ClockFacts(d("2026-11-02"), decided_on=d("2027-06-01")),
            case_type(10, "weeks"),
            SE,
            d("2027-06-01"),
        ).fee_reduction_fifths
        == 0
    )


def test_section_12_six_months_and_four_weeks():
    clock = compute(ClockFacts(d("2026-08-31")), case_type(10, "weeks"), SE, d("2027-03-01"))
    assert clock.section12_on == d("2027-02-28") and clock.section12_due == d("2027-03-28")
    assert add_months(d("2026-01-31"), 1) == d("2026-02-28")


def test_time_in_each_status_and_warnings_once_per_share():
    facts = ClockFacts(d("2026-11-02"))
    facts.enter("open", d("2026-11-02"))
    facts.enter("in_progress", d("2026-11-04"))
    facts.pause(d("2026-11-10"))
    facts.enter("waiting_for_applicant", d("2026-11-10"))
    facts.resume(d("2026-11-20"))
    facts.enter("referral", d("2026-11-20"))
    clock = compute(facts, case_type(4, "weeks"), SE, d("2026-12-08"))
    assert clock.time_in_status == {"open": 2, "in_progress": 6, "waiting_for_applicant": 10, "referral": 18}
    assert clock.share_used == round(26 / 28, 4)
    assert warning_due(clock, (0.7, 0.9), set()) == 0.9  # straight to the highest reached
    assert warning_due(clock, (0.7, 0.9), {0.9}) is None
    assert warning_due(compute(facts, case_type(4, "weeks"), SE, d("2026-12-02")), (0.7, 0.9), set()) == 0.7


@pytest.mark.parametrize("country", ["SE", "DK"])
def test_both_national_calendars_know_their_holidays(country):
    calendar = WorkingCalendar(country)
    assert not calendar.is_working_day(d("2026-12-25"))
    assert calendar.is_working_day(d("2026-06-19")) is (country == "DK")  # Swedish Midsummer Eve
