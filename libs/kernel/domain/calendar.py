"""Working days and deadlines on a national holiday calendar (Sweden, Denmark, ...)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Literal, get_args

import holidays

Unit = Literal["working_days", "weeks", "calendar_days"]

# Midsummer Eve, Christmas Eve and New Year's Eve are not public holidays in Sweden
# but offices are closed, so the calendar counts them as non-working days.
DEFAULT_CATEGORIES = {"SE": ("public", "de_facto")}


@dataclass(frozen=True)
class Target:
    amount: int
    unit: Unit

    def __post_init__(self) -> None:
        # a unit is a word of the pages, the letters and the emails (and of the events'
        # contracts): an unknown one would be shown as it was written
        if self.unit not in get_args(Unit):
            raise ValueError(f"unknown unit {self.unit!r}: one of {', '.join(get_args(Unit))}")

    def describe(self, lang: str) -> str:
        words = {
            ("working_days", "sv"): "arbetsdagar",
            ("working_days", "en"): "working days",
            ("weeks", "sv"): "veckor",
            ("weeks", "en"): "weeks",
            ("calendar_days", "sv"): "dagar",
            ("calendar_days", "en"): "days",
            ("working_days", "da"): "arbejdsdage",
            ("weeks", "da"): "uger",
            ("calendar_days", "da"): "dage",
        }
        return f"{self.amount} {words.get((self.unit, lang)) or words[(self.unit, 'en')]}"


class WorkingCalendar:
    def __init__(self, country: str, categories: tuple[str, ...] | None = None) -> None:
        self.country = country
        self._holidays = holidays.country_holidays(
            country, categories=categories or DEFAULT_CATEGORIES.get(country, ("public",))
        )

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self._holidays

    def on_or_after(self, day: date) -> date:
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def add_working_days(self, start: date, count: int) -> date:
        day = start
        while count > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end`."""
        return sum(
            1 for n in range(1, (end - start).days + 1) if self.is_working_day(start + timedelta(days=n))
        )

    def due_date(self, start: date, target: Target, paused_days: int = 0) -> date:
        """The deadline for a clock started on `start`, moved on by the days it was paused
        (counted in the target's own unit: working days for working-day targets)."""
        if target.unit == "working_days":
            return self.add_working_days(start, target.amount + paused_days)
        days = target.amount * 7 if target.unit == "weeks" else target.amount
        return self.on_or_after(start + timedelta(days=days + paused_days))

    def pause_length(self, target: Target, paused_on: date, resumed_on: date) -> int:
        if target.unit == "working_days":
            return self.working_days_between(paused_on, resumed_on)
        return (resumed_on - paused_on).days


@lru_cache(maxsize=8)
def calendar_for(country: str) -> WorkingCalendar:
    return WorkingCalendar(country)
