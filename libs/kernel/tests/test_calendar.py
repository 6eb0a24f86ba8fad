from datetime import date

from kernel.domain.calendar import Target, WorkingCalendar

SE = WorkingCalendar("SE")
DK = WorkingCalendar("DK")


def test_weekends_and_swedish_holidays_are_not_working_days():
    assert not SE.is_working_day(date(2026, 11, 28))  # Saturday
    assert not SE.is_working_day(date(2026, 12, 24))  # Christmas Eve (de facto closed)
    assert not SE.is_working_day(date(2026, 6, 19))  # Midsummer Eve
    assert not SE.is_working_day(date(2026, 6, 6))  # National Day
    assert SE.is_working_day(date(2026, 11, 24))


def test_danish_calendar_has_its_own_holidays():
    assert not DK.is_working_day(date(2026, 4, 2))  # Maundy Thursday
    assert SE.is_working_day(date(2026, 4, 2))


def test_working_days_skip_weekends_and_holidays():
    # Tuesday 22 Dec 2026 + 2 working days: 23 Dec, (24-27 closed), 28 Dec
    assert SE.add_working_days(date(2026, 12, 22), 2) == date(2026, 12, 28)
    assert SE.due_date(date(2026, 11, 24), Target(2, "working_days")) == date(2026, 11, 26)
    assert SE.working_days_between(date(2026, 12, 22), date(2026, 12, 28)) == 2


def test_weeks_count_calendar_time_and_land_on_a_working_day():
    assert SE.due_date(date(2026, 11, 24), Target(10, "weeks")) == date(2027, 2, 2)
    # 2 weeks from 10 Dec 2026 is Christmas Eve: moves to the next working day
    assert SE.due_date(date(2026, 12, 10), Target(2, "weeks")) == date(2026, 12, 28)


def test_a_pause_moves_the_deadline_in_the_targets_unit():
    weeks = Target(8, "weeks")
    assert SE.pause_length(weeks, date(2026, 11, 2), date(2026, 11, 9)) == 7
    assert SE.due_date(date(2026, 11, 2), weeks, 7) == SE.due_date(date(2026, 11, 9), weeks)
    days = Target(2, "working_days")
    paused = SE.pause_length(days, date(2026, 11, 27), date(2026, 11, 30))  # Friday to Monday
    assert paused == 1
    assert SE.due_date(date(2026, 11, 26), days, paused) == date(2026, 12, 1)


def test_target_describes_itself_in_both_languages():
    assert Target(10, "weeks").describe("sv") == "10 veckor"
    assert Target(2, "working_days").describe("en") == "2 working days"


def test_a_target_in_an_unknown_unit_is_refused_where_it_is_configured():
    import pytest

    from kernel.domain.calendar import Target

    with pytest.raises(ValueError, match="unknown unit"):
        Target(2, "x https://evil.example/")  # type: ignore[arg-type]
    assert Target(2, "weeks").describe("sv") == "2 veckor"
