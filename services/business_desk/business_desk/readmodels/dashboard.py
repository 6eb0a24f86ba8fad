"""The managers' questions, answered from the read models: figures for a period and scope,
their CSV, the Insikt case list and the open KPI feed."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from business_desk.bootstrap import Deps
from business_desk.domain import figures
from kernel.web.spreadsheet import csv_lines, csv_text

GROUPS = ("case_type", "team", "handler")
PERIODS = {"4w": ("Last 4 weeks", 28), "13w": ("Last 13 weeks", 91), "52w": ("Last 12 months", 364)}
DEFAULT_PERIOD = "13w"
SUMMARY_COLUMNS = (
    "received",
    "decided",
    "median_net_days",
    "p90_net_days",
    "share_within_target_net",
    "median_gross_days",
    "p90_gross_days",
    "share_within_target_gross",
)


class BadQuery(ValueError):
    """A parameter the dashboard cannot use; the message says which and why."""


@dataclass(frozen=True)
class Scope:
    start: date
    end: date
    case_types: tuple[str, ...]
    handler: str | None = None
    group_by: str | None = None

    def describe(self) -> dict[str, Any]:
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "case_types": list(self.case_types),
            "handler": self.handler,
        }


def scope(
    deps: Deps,
    readable: list[str],
    today: date,
    period: str | None = None,
    start: str | None = None,
    end: str | None = None,
    case_type: str | None = None,
    team: str | None = None,
    handler: str | None = None,
    group_by: str | None = None,
) -> Scope:
    """The period (a named one, or from/to) and the case types of the caller's reach,
    narrowed to a case type or team."""
    if start or end:
        first = _day("from", start) if start else today - timedelta(days=PERIODS[DEFAULT_PERIOD][1])
        last = _day("to", end) if end else today
    elif (period or DEFAULT_PERIOD) in PERIODS:
        first, last = today - timedelta(days=PERIODS[period or DEFAULT_PERIOD][1]), today
    else:
        raise BadQuery(f"period: one of {', '.join(PERIODS)}")
    if last < first:
        raise BadQuery("to: must not be before from")
    case_types = list(readable)
    if case_type:
        if case_type not in deps.catalogue.case_types:
            raise BadQuery(f"case_type: no case type {case_type}")
        case_types = [ct for ct in case_types if ct == case_type]
    if team:
        case_types = [ct for ct in case_types if deps.catalogue.get(ct).team == team]
        if not any(ct.team == team for ct in deps.catalogue.case_types.values()):
            raise BadQuery(f"team: no team {team}")
    if group_by and group_by not in GROUPS:
        raise BadQuery(f"group_by: one of {', '.join(GROUPS)}")
    return Scope(first, last, tuple(case_types), handler or None, group_by or None)


def _day(name: str, text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise BadQuery(f"{name}: a date as YYYY-MM-DD ({exc})") from exc


def figures_for(deps: Deps, scope_: Scope) -> dict[str, Any]:
    assert deps.cases is not None
    today = deps.clock().date()
    statistics = deps.cases.statistics
    buckets = statistics.buckets(scope_.start, scope_.end, scope_.case_types, scope_.handler)
    open_buckets = statistics.open_buckets(scope_.case_types, scope_.handler)
    result = figures.summarise(buckets, open_buckets, today, scope_.group_by)
    if deps.satisfaction is not None and not scope_.handler:
        result["satisfaction"] = deps.satisfaction.summary(scope_.start, scope_.end, scope_.case_types)
    return {"scope": scope_.describe(), "today": today.isoformat(), **result}


def figures_csv(result: dict[str, Any]) -> str:
    """One row per total, week and group, every figure a column."""
    return csv_text(figures_rows(result))


def figures_rows(result: dict[str, Any]) -> Iterator[list[Any]]:
    """The figures as rows, the first the column names (figures_csv; the pages' exports
    put the names in the page's language)."""
    yield ["row", "key", *SUMMARY_COLUMNS]
    yield ["total", f"{result['scope']['from']}..{result['scope']['to']}", *_cells(result["totals"])]
    for week in result["weekly"]:
        yield ["week", week["week"], *_cells(week)]
    for group in result.get("groups", []):
        yield [result["by"], group["group"], *_cells(group)]
    backlog = result["backlog"]
    # the backlog rows carry their count in the first figure column
    blank = [""] * (len(SUMMARY_COLUMNS) - 1)
    for band, n in backlog["by_age"].items():
        yield ["open_by_age", band, n, *blank]
    yield ["overdue_now", result["today"], backlog["overdue"], *blank]
    yield ["breaches_forecast_14_days", result["today"], backlog["breaches_forecast"], *blank]


def _cells(summary: dict[str, Any]) -> list[Any]:
    return ["" if summary[c] is None else summary[c] for c in SUMMARY_COLUMNS]


INSIKT_COLUMNS = (
    "arendetyp",
    "insikt_omrade",
    "beslutsdatum",
    "foretag",
    "organisationsnummer",
    "epost",
    "handlaggningstid_dagar",
    "referens",
)


def insikt_case_list(deps: Deps, scope_: Scope) -> Iterator[str]:
    """SKR Insikt's case template (ärendemall): the cases decided in the period, of the
    case types in the survey, with whom to ask, line by line as the cases are read (an
    export of every case holds one chunk of them). Cases whose personal data is erased
    are left out: there is nobody to ask."""
    return csv_lines(_insikt_rows(deps, scope_), delimiter=";")


def _insikt_rows(deps: Deps, scope_: Scope) -> Iterator[Sequence[Any]]:
    assert deps.cases is not None
    surveyed = [ct for ct in scope_.case_types if deps.catalogue.get(ct).insikt_area]
    yield INSIKT_COLUMNS
    for case in deps.cases.closed_between(surveyed, scope_.start, scope_.end):
        if not case.get("contact"):
            continue
        case_type = deps.catalogue.get(case["case_type"])
        yield [
            case_type.label("sv"),
            case_type.insikt_area,
            case["decision"]["decided_on"],
            case["company"],
            case["organisation_number"],
            case["contact"]["email"],
            case["clock"]["gross_days"],
            case["reference"],
        ]


def kpi_feed(deps: Deps, year: int | None = None) -> dict[str, Any]:
    """Kolada-style open figures per case type: share decided within target and median
    days, for a calendar year (or the last 12 months). No personal data."""
    assert deps.cases is not None
    today = deps.clock().date()
    if year is not None:
        start, end, period = date(year, 1, 1), min(date(year, 12, 31), today), str(year)
    else:
        start, end, period = today - timedelta(days=364), today, "last_12_months"
    values = []
    for case_type in deps.catalogue.case_types.values():
        tally = figures.Tally()
        for bucket in deps.cases.statistics.buckets(start, end, [case_type.id]):
            tally.add(bucket)
        summary = tally.summary()
        values.append(
            {
                "case_type": case_type.id,
                "case_type_name": case_type.name,
                "target": case_type.target.describe("en"),
                "decided": summary["decided"],
                "share_within_target": summary["share_within_target_net"],
                "share_within_target_gross": summary["share_within_target_gross"],
                "median_days": summary["median_net_days"],
                "median_days_gross": summary["median_gross_days"],
            }
        )
    municipality = deps.catalogue.municipality
    return {
        "municipality": municipality,
        "period": period,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "generated_on": today.isoformat(),
        "definitions": {
            "share_within_target": "Share of the cases decided in the period that were decided by "
            "their deadline, counted on the legal clock (time waiting for the applicant excluded).",
            "median_days": "Median calendar days from the start of the legal clock to the decision, "
            "time waiting for the applicant excluded.",
            "_gross": "The same, counted from the day the inquiry was received, nothing excluded.",
        },
        "values": values,
    }
