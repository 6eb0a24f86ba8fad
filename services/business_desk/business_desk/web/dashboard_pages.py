"""The dashboard: processing-time figures of the case types one may read, as a page, as
JSON, and as CSV and Excel workbooks in the page's language (the figures), and the case
list in Insikt's template."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any
from urllib.parse import urlencode

from flask import Response, abort, g, jsonify, render_template, request

from business_desk.domain.figures import AGE_BANDS
from business_desk.i18n import WORDS, page_language, t, team_name
from business_desk.readmodels import dashboard
from business_desk.readmodels.case_projection import clock_now
from business_desk.readmodels.drilldown import PERIOD_SHOWS, BadSelection, Selection
from business_desk.web import charts
from business_desk.web.figures import csv_response, readable_case_types
from business_desk.web.page_blueprint import deps, pages
from business_desk.web.roster import roster_choices
from kernel.web import formats
from kernel.web.paging import PageRequest, page_from_args, pager_links
from kernel.web.signin import page_check
from kernel.web.spreadsheet import excel_csv, xlsx_bytes

FILTER_ORDER = ("period", "from", "to", "case_type", "team", "handler", "group_by")


def filter_errors(args: Any, lang: str, catalogue: Any = None) -> dict[str, list[str]]:
    """Every error of the dashboard's filter at once, at its field, in the page's language
    (a case type or team the catalogue lacks too, given it)."""
    errors: dict[str, list[str]] = {}
    if catalogue is not None:
        if (case_type := args.get("case_type")) and case_type not in catalogue.case_types:
            errors["case_type"] = [t("dashboard.error.choice", lang)]
        teams = {ct.team for ct in catalogue.case_types.values()}
        if (team := args.get("team")) and team not in teams:
            errors["team"] = [t("dashboard.error.choice", lang)]
    days: dict[str, date] = {}
    for name in ("from", "to"):
        if text := (args.get(name) or "").strip():
            try:
                days[name] = date.fromisoformat(text)
            except ValueError:
                errors[name] = [t("dashboard.error.date", lang)]
    if "from" in days and "to" in days and days["to"] < days["from"]:
        errors["to"] = [t("dashboard.error.to_before_from", lang)]
    if (period := args.get("period")) and period not in dashboard.PERIODS:
        errors["period"] = [t("dashboard.error.choice", lang)]
    if (group := args.get("group_by")) and group not in dashboard.GROUPS:
        errors["group_by"] = [t("dashboard.error.choice", lang)]
    return dict(sorted(errors.items(), key=lambda item: FILTER_ORDER.index(item[0])))


def _dashboard_scope(args: Any = None) -> dashboard.Scope:
    principal = page_check("dashboard.read")
    args = request.args if args is None else args
    try:
        return dashboard.scope(
            deps(),
            readable_case_types(principal),
            deps().clock().date(),
            period=args.get("period") or None,
            start=args.get("from") or None,
            end=args.get("to") or None,
            case_type=args.get("case_type") or None,
            team=args.get("team") or None,
            handler=(args.get("handler") or "").strip() or None,
            group_by=args.get("group_by") or None,
        )
    except dashboard.BadQuery:
        abort(422)


@pages.get("/dashboard")
def dashboard_page():  # type: ignore[no-untyped-def]
    d = deps()
    page_check("dashboard.read")
    lang = page_language()
    errors = filter_errors(request.args, lang, d.catalogue)
    # with errors the page shows the default period, the filter as typed and what is wrong with it
    scope_ = _dashboard_scope({} if errors else None)
    if scope_.group_by is None:
        scope_ = replace(scope_, group_by="case_type")
    result = dashboard.figures_for(d, scope_)
    readable = readable_case_types(g.principal)
    link = None if errors else drill_url
    page = render_template(
        "dashboard.html",
        figures=result,
        scope=scope_,
        args=request.args,
        errors=errors,
        labels={
            "from": t("dashboard.from", lang),
            "to": t("dashboard.to", lang),
            "period": t("dashboard.period", lang),
            "group_by": t("dashboard.break_down_by", lang),
            "case_type": t("dashboard.case_type", lang),
            "team": t("dashboard.team", lang),
        },
        periods=dashboard.PERIODS,
        groups=dashboard.GROUPS,
        case_types=[d.catalogue.get(ct) for ct in readable],
        teams=sorted({d.catalogue.get(ct).team for ct in readable}),
        handlers=roster_choices(d.catalogue, readable),
        query=request.query_string.decode(),
        drill_url=link,
        band_bounds=AGE_BANDS,
        deliveries=d.delivery_figures(),
        charts={
            "trend": charts.trend(result, link),
            "times": charts.times(result, link),
            "within_target": charts.within_target(result, link),
            "backlog": charts.backlog(result, link),
        },
    )
    return page, 422 if errors else 200


@pages.get("/dashboard/figures.json")
def dashboard_json():  # type: ignore[no-untyped-def]
    return jsonify(dashboard.figures_for(deps(), _dashboard_scope()))


def _figures_rows(lang: str) -> list[list[Any]]:
    """The figures' rows with the column names in the page's language."""
    result = dashboard.figures_for(deps(), _dashboard_scope())
    header, *rows = dashboard.figures_rows(result)
    names = {g["group"]: g["name"] for g in result.get("groups", []) if g.get("name")}
    return [[t(f"export.{name}", lang) for name in header], *(_row_in(row, lang, names) for row in rows)]


def band_words(lo: int, hi: int | None, lang: str) -> str:
    """An age band as the charts say it ("8-14 dagar", "över 90 dagar")."""
    return (
        t("chart.lo_hi_days", lang, lo=lo, hi=hi)
        if hi is not None
        else t("chart.over_days_days", lang, days=lo - 1)
    )


def _row_in(row: list[Any], lang: str, names: dict[str, str]) -> list[Any]:
    """A figures row's kind and key in the page's language: the row's kind, a group's case
    type, team or handler by name, an age band as the charts say it (the figures stay numbers)."""
    kind, key, *cells = row
    catalogue = deps().catalogue
    if key == "(none)":
        key = t("export.none", lang)
    elif kind == "case_type" and key in catalogue.case_types:
        key = catalogue.get(key).label(lang)
    elif kind == "team":
        key = team_name(key)
    elif kind == "handler":
        key = names.get(key, key)
    elif kind == "open_by_age":
        lo, hi = next(band for band in AGE_BANDS if dashboard.figures._band(*band) == key)
        key = band_words(lo, hi, lang)
    return [t(f"export.row.{kind}", lang), key, *cells]


@pages.get("/dashboard/figures.csv")
def dashboard_csv():  # type: ignore[no-untyped-def]
    lang = page_language()
    return csv_response(excel_csv(_figures_rows(lang), lang).removeprefix("\ufeff"), "processing-times.csv")


@pages.get("/dashboard/figures.xlsx")
def dashboard_xlsx():  # type: ignore[no-untyped-def]
    lang = page_language()
    return Response(
        xlsx_bytes(_figures_rows(lang), t("dashboard.processing_times", lang)),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": 'attachment; filename="processing-times.xlsx"'},
    )


@pages.get("/dashboard/insikt.csv")
def dashboard_insikt():  # type: ignore[no-untyped-def]
    return csv_response(dashboard.insikt_case_list(deps(), _dashboard_scope()), "insikt-arendemall.csv")


# the dashboard's own parameters, not its filter's: left out of the links back to it
DRILL_PARAMS = ("show", "week", "band", "cursor", "limit")


def _filter_args(but: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    return [(k, v) for k, v in request.args.items(multi=True) if k not in (*DRILL_PARAMS, *but) and v]


def drill_url(show: str, **params: str) -> str:
    """The link to the cases behind a figure, in the dashboard's filter (narrowed by
    `params`: a week, a band, a row's case type, team or handler)."""
    return "/dashboard/cases?" + urlencode([("show", show), *params.items(), *_filter_args(tuple(params))])


@pages.get("/dashboard/cases")
def dashboard_cases():  # type: ignore[no-untyped-def]
    """The cases behind a tile, a chart's bar or point, or a band of the backlog (what
    `show`, `week` and `band` say), in the dashboard's filter and reach: the same cases
    the figure counts (readmodels.drilldown), a page at a time; a filter with errors
    gives the dashboard with them at its fields."""
    d = deps()
    page_check("dashboard.read")
    lang = page_language()
    if filter_errors(request.args, lang, d.catalogue):
        return dashboard_page()
    scope_ = _dashboard_scope()
    try:
        selection = Selection.of(
            request.args.get("show", "open"),
            scope_,
            d.clock().date(),
            request.args.get("week"),
            request.args.get("band"),
        )
    except BadSelection:
        abort(404)
    asked = page_from_args(selection.sort, request.args)
    refused = asked if isinstance(asked, str) else None
    query = selection.query()
    page = d.cases.selected(query, selection.sort, PageRequest() if refused else asked)  # type: ignore[arg-type]
    total = d.cases.count_selected(query)
    today = d.clock().date()
    return render_template(
        "dashboard_cases.html",
        show=selection.show,
        period=selection.show in PERIOD_SHOWS,
        heading=_heading(selection, total, lang),
        total=total,
        cases=[{**c, "clock": clock_now(c, d.catalogue, today)} for c in page.items],
        pager=pager_links(page),
        error=refused,
        back="/dashboard" + (f"?{urlencode(_filter_args())}" if _filter_args() else ""),
    )


def _heading(selection: Selection, total: int, lang: str) -> str:
    """What the list shows, in words: "Beslutade v. 48, Bygglov: 3 ärenden"."""
    d = deps()
    what = t(f"drilldown.title.{selection.show}", lang)
    if selection.week:
        what += " " + formats.week(selection.week, lang)
    elif selection.show in PERIOD_SHOWS:
        what += f" {formats.day(selection.scope.start, lang)} – {formats.day(selection.scope.end, lang)}"
    if selection.band is not None:
        lo, hi = AGE_BANDS[selection.band]
        what += f" ({band_words(lo, hi, lang)})"
    narrowed = []
    if (case_type := request.args.get("case_type")) and case_type in d.catalogue.case_types:
        narrowed.append(d.catalogue.get(case_type).label(lang))
    if team := request.args.get("team"):
        narrowed.append(team_name(team))
    if handler := selection.scope.handler:
        names = dict(roster_choices(d.catalogue, list(selection.scope.case_types)))
        narrowed.append(names.get(handler, handler))
    return f"{', '.join([what, *narrowed])}: {WORDS.tn('drilldown.n_cases', total, lang)}"
