"""The cases behind each figure of the dashboard are the cases the figure counts: over
generated cases, every tile's, week's and band's list holds as many cases as its figure
says (the buckets folded from the same cases, read by the store's own queries), and the
store's query for a list picks exactly the cases the selection's test picks."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import pytest

from business_desk.domain import figures
from business_desk.readmodels.dashboard import Scope
from business_desk.readmodels.drilldown import PERIOD_SHOWS, SHOWS, BadSelection, Selection
from business_desk.readmodels.figures import CaseStatistics

TODAY = date(2026, 11, 24)
CASE_TYPES = {"bygglov": "bygg", "servering": "tillstand", "uteservering": "tillstand"}
HANDLERS = ("iss#anna", "iss#bo", None)


# -- a store that answers MongoDB's queries over documents in memory ------------------------


def _get(doc: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(doc, dict):
            return None
        doc = doc.get(part)
    return doc


def _matches_value(value: Any, condition: Any) -> bool:
    if not isinstance(condition, dict) or not any(k.startswith("$") for k in condition):
        return bool(value == condition)
    for op, arg in condition.items():
        if op == "$in" and value not in arg:
            return False
        if op == "$ne" and value == arg:
            return False
        if op in ("$gte", "$gt", "$lte", "$lt"):
            if value is None or type(value) is not type(arg):
                return False
            if not {"$gte": value >= arg, "$gt": value > arg, "$lte": value <= arg, "$lt": value < arg}[op]:
                return False
    return True


def matches(doc: dict[str, Any], query: dict[str, Any]) -> bool:
    for name, condition in query.items():
        if name == "$or":
            if not any(matches(doc, branch) for branch in condition):
                return False
        elif name == "$and":
            if not all(matches(doc, branch) for branch in condition):
                return False
        elif not _matches_value(_get(doc, name), condition):
            return False
    return True


class Collection:
    def __init__(self, docs: list[dict[str, Any]]) -> None:
        self.docs = docs

    def find(self, query: dict[str, Any], projection: Any = None) -> list[dict[str, Any]]:
        return [d for d in self.docs if matches(d, query)]


# -- generated cases -----------------------------------------------------------------------


def generated(seed: int, n: int = 300) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    docs = []
    for i in range(n):
        case_type = rng.choice(list(CASE_TYPES))
        received = TODAY - timedelta(days=rng.randint(0, 150))
        handler = rng.choice(HANDLERS)
        phase = rng.choice(("open", "in_progress", "waiting_for_applicant", "decided", "decided", "closed"))
        doc: dict[str, Any] = {
            "_id": f"c{i:04d}",
            "reference": f"R-{i}",
            "case_type": case_type,
            "team": CASE_TYPES[case_type],
            "received_on": received.isoformat(),
            "phase": phase,
            "handler": handler and handler.upper(),
            "handler_id": handler,
            "due_date": (received + timedelta(days=rng.randint(5, 80))).isoformat(),
            "decision": None,
            "clock": {"net_days": 0, "gross_days": 0, "within_target_net": False, "within_target_gross": 0},
        }
        if phase in ("decided", "closed") and rng.random() < 0.8:
            decided_on = min(TODAY, received + timedelta(days=rng.randint(0, 60)))
            # the decision's handler; a decision from before they were kept has none
            decider = rng.choice((handler, "iss#cecilia", None))
            doc["decision"] = {"decided_on": decided_on.isoformat(), "handler_id": decider, "handler": "X"}
            doc["clock"] = {
                "net_days": rng.randint(0, 60),
                "gross_days": rng.randint(0, 80),
                "within_target_net": rng.random() < 0.6,
                "within_target_gross": rng.random() < 0.5,
            }
        docs.append(doc)
    return docs


SCOPES = [
    Scope(TODAY - timedelta(days=91), TODAY, tuple(CASE_TYPES)),
    Scope(TODAY - timedelta(days=28), TODAY, ("servering", "uteservering")),
    Scope(date(2026, 9, 3), date(2026, 10, 14), ("bygglov",)),
    Scope(TODAY - timedelta(days=364), TODAY, tuple(CASE_TYPES), handler="iss#anna"),
    Scope(TODAY - timedelta(days=91), TODAY, tuple(CASE_TYPES), handler="iss#cecilia"),
]


def summary(docs: list[dict[str, Any]], scope: Scope) -> dict[str, Any]:
    """The dashboard's figures from the buckets of the cases, read by the store's queries."""
    statistics = CaseStatistics({"case_figures_weekly": Collection(figures.fold(docs))})  # type: ignore[arg-type]
    return figures.summarise(
        statistics.buckets(scope.start, scope.end, scope.case_types, scope.handler),
        statistics.open_buckets(scope.case_types, scope.handler),
        TODAY,
    )


def listed(docs: list[dict[str, Any]], selection: Selection) -> list[dict[str, Any]]:
    by_test = [d for d in docs if selection.counts(d)]
    by_query = [d for d in docs if matches(d, selection.query())]
    assert by_test == by_query, selection  # the store is asked for the cases the figure counts
    return by_test


def tile(result: dict[str, Any], selection: Selection, decided: int) -> Any:
    """The figure a tile shows for a selection's list of `decided` cases (a share is
    within / decided)."""
    totals, backlog = result["totals"], result["backlog"]
    return {
        "received": totals["received"],
        "decided": totals["decided"],
        "net_days": totals["decided"],
        "gross_days": totals["decided"],
        "within_net": round(totals["share_within_target_net"] * decided) if decided else 0,
        "within_gross": round(totals["share_within_target_gross"] * decided) if decided else 0,
        "open": backlog["open"],
        "waiting": backlog["waiting_for_applicant"],
        "overdue": backlog["overdue"],
        "forecast": backlog["breaches_forecast"],
    }[selection.show]


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("scope", SCOPES, ids=lambda s: f"{s.start}-{len(s.case_types)}-{s.handler}")
@pytest.mark.parametrize("show", [s for s in SHOWS if s != "age"])
def test_each_tiles_list_holds_as_many_cases_as_the_tile_says(seed, scope, show):
    docs = generated(seed)
    result = summary(docs, scope)
    decided = len(listed(docs, Selection(show="decided", scope=scope, today=TODAY)))
    assert decided == result["totals"]["decided"]
    cases = listed(docs, Selection(show=show, scope=scope, today=TODAY))
    assert len(cases) == tile(result, Selection(show, scope, TODAY), decided)
    if show.startswith("within_") and decided:
        assert round(len(cases) / decided, 4) == result["totals"][f"share_within_target_{show[7:]}"]


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("scope", SCOPES[:4], ids=lambda s: f"{s.start}-{len(s.case_types)}-{s.handler}")
def test_each_weeks_bar_and_point_lists_the_cases_of_its_week(seed, scope):
    docs = generated(seed)
    weekly = summary(docs, scope)["weekly"]
    assert weekly, "the generated cases fill the period"
    for week in weekly:
        for show, figure in (("received", "received"), ("decided", "decided"), ("net_days", "decided")):
            selection = Selection.of(show, scope, TODAY, week=week["week"])
            assert len(listed(docs, selection)) == week[figure], (show, week["week"])
        for kind in ("net", "gross"):
            within = len(listed(docs, Selection.of(f"within_{kind}", scope, TODAY, week=week["week"])))
            share = week[f"share_within_target_{kind}"]
            assert (share is None and within == 0) or round(within / week["decided"], 4) == share


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("scope", SCOPES, ids=lambda s: f"{s.start}-{len(s.case_types)}-{s.handler}")
def test_each_age_bands_list_holds_as_many_cases_as_its_bar(seed, scope):
    docs = generated(seed)
    by_age = list(summary(docs, scope)["backlog"]["by_age"].values())
    for band, n in enumerate(by_age):
        assert len(listed(docs, Selection.of("age", scope, TODAY, band=str(band)))) == n


def test_a_week_outside_the_period_lists_nothing_and_a_day_stands_for_its_week():
    docs, scope = generated(1), SCOPES[2]
    assert listed(docs, Selection.of("decided", scope, TODAY, week="2026-11-16")) == []
    wednesday = Selection.of("decided", scope, TODAY, week="2026-09-16")
    assert wednesday.week == "2026-09-14"


@pytest.mark.parametrize(
    ("show", "week", "band"),
    [("nonsense", None, None), ("open", "2026-11-16", None), ("decided", "week 48", None),
     ("age", None, None), ("age", None, "6"), ("age", None, "-1"), ("age", None, "x")],
)  # fmt: skip
def test_a_figure_the_dashboard_never_links_is_refused(show, week, band):
    with pytest.raises(BadSelection):
        Selection.of(show, SCOPES[0], TODAY, week=week, band=band)


def test_each_list_has_a_sensible_order():
    assert Selection("decided", SCOPES[0], TODAY).sort.fields[0] == ("decision.decided_on", 1)
    assert Selection("net_days", SCOPES[0], TODAY).sort.fields[0] == ("clock.net_days", -1)
    assert Selection("overdue", SCOPES[0], TODAY).sort.fields[0] == ("due_date", 1)
    assert all(Selection(s, SCOPES[0], TODAY).sort.fields[-1] == ("_id", 1) for s in SHOWS)
    assert set(PERIOD_SHOWS) < set(SHOWS)
