"""The cases behind a figure of the dashboard: which cases a tile, a week's bar or point
of a chart, or a band of the backlog counts.

A figure is summed from the weekly and open-case buckets, which are what each case
document contributes (domain.figures.contributions). A `Selection` says which of those
contributions a figure sums, and picks the cases by the same test (`counts`): the cases
listed are the cases counted. Its `query` asks the store for exactly those cases, one
page at a time in the list's order (`sort`); the unit tests hold the query to the test
over generated cases, and the test to the figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from business_desk.domain.figures import AGE_BANDS, FORECAST_DAYS, OPEN_PHASES, contributions, week_of
from business_desk.readmodels.cases import QUEUE_ORDER
from business_desk.readmodels.dashboard import Scope
from kernel.web.paging import SortKey

# figures of the period: summed from the received and decided buckets of its weeks
PERIOD_SHOWS = ("received", "decided", "within_net", "within_gross", "net_days", "gross_days")
# figures of the queue today: summed from the open-case counts
OPEN_SHOWS = ("open", "waiting", "overdue", "forecast", "age")
SHOWS = PERIOD_SHOWS + OPEN_SHOWS

RUNNING = ("open", "in_progress")  # an open case with a deadline running (not paused)

SORTS = {
    "received": SortKey.of(("received_on", 1), ("_id", 1)),
    "decided": SortKey.of(("decision.decided_on", 1), ("_id", 1)),
    "within_net": SortKey.of(("decision.decided_on", 1), ("_id", 1)),
    "within_gross": SortKey.of(("decision.decided_on", 1), ("_id", 1)),
    # the times: the longest first (the median is the middle of the list)
    "net_days": SortKey.of(("clock.net_days", -1), ("_id", 1)),
    "gross_days": SortKey.of(("clock.gross_days", -1), ("_id", 1)),
}


class BadSelection(ValueError):
    """A figure the dashboard does not show (an unknown `show`, week or band)."""


@dataclass(frozen=True)
class Selection:
    """The cases behind one figure: `show` (one of SHOWS) in the dashboard's scope (its
    period, case types and handler) on `today`; of one week (a Monday, for the charts'
    bars and points) or one age band (an index into AGE_BANDS)."""

    show: str
    scope: Scope
    today: date
    week: str | None = None
    band: int | None = None

    @classmethod
    def of(
        cls, show: str, scope: Scope, today: date, week: str | None = None, band: str | None = None
    ) -> Selection:
        """From a drilldown link's parameters; BadSelection for one it never makes."""
        if show not in SHOWS:
            raise BadSelection("show")
        monday = None
        if week:
            if show not in PERIOD_SHOWS:
                raise BadSelection("week")
            try:
                monday = week_of(week)
            except ValueError:
                raise BadSelection("week") from None
        index = None
        if show == "age":
            try:
                index = int(band or "")
            except ValueError:
                raise BadSelection("band") from None
            if not 0 <= index < len(AGE_BANDS):
                raise BadSelection("band")
        return cls(show, scope, today, monday, index)

    @property
    def weeks(self) -> tuple[str, str]:
        """The first and last week counted (Mondays; the first after the last: none)."""
        first, last = week_of(self.scope.start), week_of(self.scope.end)
        if self.week is not None:
            return max(first, self.week), min(last, self.week)
        return first, last

    @property
    def sort(self) -> SortKey:
        return SORTS.get(self.show, QUEUE_ORDER)

    # -- which cases: the figures' own test ------------------------------------------------

    def counts(self, doc: dict[str, Any]) -> bool:
        """Whether the case is one the figure counts (by what it adds to the buckets)."""
        return any(self._sums(part["key"], part["inc"]) for part in contributions(doc).values())

    def _sums(self, key: dict[str, Any], inc: dict[str, Any]) -> bool:
        if key["case_type"] not in self.scope.case_types:
            return False
        handler = self.scope.handler
        if self.show in PERIOD_SHOWS:
            kind = "received" if self.show == "received" else "decided"
            first, last = self.weeks
            if key["kind"] != kind or not first <= key["week"] <= last:
                return False
            # for one handler the figures read only the decisions they made
            if handler and (kind == "received" or key["handler"] != handler):
                return False
            return self.show not in ("within_net", "within_gross") or bool(inc.get(self.show))
        if key["kind"] != "open" or (handler and key["handler"] != handler):
            return False
        return self._open_counts(inc)

    def _open_counts(self, inc: dict[str, Any]) -> bool:
        if self.show == "open":
            return bool(inc.get("open"))
        if self.show == "waiting":
            return bool(inc.get("waiting"))
        days: dict[str, list[date]] = {"due": [], "received_on": []}
        for name, n in inc.items():
            kind, _, day = name.partition(".")
            if n and kind in days:
                days[kind].append(date.fromisoformat(day))
        if self.show == "overdue":
            return any(due < self.today for due in days["due"])
        if self.show == "forecast":
            horizon = self.today + timedelta(days=FORECAST_DAYS)
            return any(self.today <= due <= horizon for due in days["due"])
        lo, hi = AGE_BANDS[self.band or 0]
        top = 10**6 if hi is None else hi
        return any(lo <= (self.today - day).days <= top for day in days["received_on"])

    # -- the same cases asked of the store --------------------------------------------------

    def query(self) -> dict[str, Any]:
        """The store's query for the cases `counts` picks."""
        q: dict[str, Any] = {"case_type": {"$in": list(self.scope.case_types)}}
        handler = self.scope.handler
        if self.show in PERIOD_SHOWS:
            first, last = self.weeks
            until = (date.fromisoformat(last) + timedelta(days=7)).isoformat()
            if self.show == "received":
                q["received_on"] = {"$gte": first, "$lt": until}
                if handler:  # the figures count no receipts for a handler
                    q["_id"] = {"$in": []}
                return q
            q["decision.decided_on"] = {"$gte": first, "$lt": until}
            q["clock"] = {"$ne": None}
            if handler:  # who made the decision, else who handles the case
                q["$or"] = [
                    {"decision.handler_id": handler},
                    {"decision.handler_id": {"$in": [None, ""]}, "handler_id": handler},
                ]
            if self.show in ("within_net", "within_gross"):
                q[f"clock.within_target_{self.show[7:]}"] = True
            return q
        q["phase"] = {"$in": list(OPEN_PHASES)}
        if handler:
            q["handler_id"] = handler
        today = self.today
        if self.show == "waiting":
            q["phase"] = "waiting_for_applicant"
        elif self.show == "overdue":
            q.update(phase={"$in": list(RUNNING)}, due_date={"$lt": today.isoformat()})
        elif self.show == "forecast":
            horizon = today + timedelta(days=FORECAST_DAYS)
            due = {"$gte": today.isoformat(), "$lte": horizon.isoformat()}
            q.update(phase={"$in": list(RUNNING)}, due_date=due)
        elif self.show == "age":
            lo, hi = AGE_BANDS[self.band or 0]
            received: dict[str, Any] = {"$lt": (today - timedelta(days=lo - 1)).isoformat()}
            if hi is not None:
                received["$gte"] = (today - timedelta(days=hi)).isoformat()
            q["received_on"] = received
        return q
