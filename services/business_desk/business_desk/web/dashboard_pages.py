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
from business_desk.i18n import page_language, t
from business_desk.readmodels import dashboard
from business_desk.web import charts
from business_desk.web.figures import csv_response, readable_case_types
from business_desk.web.page_blueprint import deps, pages
from business_desk.web.roster import roster_choices
from kernel.web.signin import page_check
from kernel.web.spreadsheet import excel_csv, xlsx_bytes

FILTER_ORDER = ("period", "from", "to", "case_type", "team", "handler", "group_by")


def filter_errors(args: Any, lang: str) -> dict[str, list[str]]:
    """Every error of the dashboard's filter at once, at its field, in the page's language."""
    errors: dict[str, list[str]] = {}
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
    errors = filter_errors(request.args, lang)
    # with errors the page shows the default period, the filter as typed and what is wrong with it
    scope_ = _dashboard_scope({} if errors else None)
    if scope_.group_by is None:
        scope_ = replace(scope_, group_by="case_type")
    result = dashboard.figures_for(d, scope_)
    readable = readable_case_types(g.principal)
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
        },
        periods=dashboard.PERIODS,
        groups=dashboard.GROUPS,
        case_types=[d.catalogue.get(ct) for ct in readable],
        teams=sorted({d.catalogue.get(ct).team for ct in readable}),
        handlers=roster_choices(d.catalogue, readable),
        query=request.query_string.decode(),
        band_bounds=AGE_BANDS,
        deliveries=d.delivery_figures(),
        charts={
            "trend": charts.trend(result),
            "times": charts.times(result),
            "within_target": charts.within_target(result),
            "backlog": charts.backlog(result),
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
    return [[t(f"export.{name}", lang) for name in header], *rows]


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


# what a tile or chart of the dashboard counts, as a list of the open cases behind it
DRILLDOWNS = ("open", "waiting", "overdue", "forecast", "age")


@pages.get("/dashboard/cases")
def dashboard_cases():  # type: ignore[no-untyped-def]
    """The open cases behind a tile or a bar: all open, waiting for the applicant, overdue,
    due within the forecast's horizon, or in one age band, in the dashboard's case types
    and handler; due soonest first (the first MAX_LIMIT of them)."""
    from datetime import timedelta

    from business_desk.domain.figures import FORECAST_DAYS
    from business_desk.readmodels.case_projection import clock_now
    from business_desk.readmodels.cases import QueueFilter
    from kernel.web.paging import MAX_LIMIT, PageRequest

    d = deps()
    scope_ = _dashboard_scope()
    show = request.args.get("show", "open")
    if show not in DRILLDOWNS:
        abort(404)
    today = d.clock().date()
    status = show if show in ("waiting", "overdue") else "open"
    filter_ = QueueFilter.from_params(list(scope_.case_types), status, scope_.handler)
    page = d.cases.queue(filter_, today, PageRequest(limit=MAX_LIMIT))
    cases = page.items
    if show == "forecast":
        horizon = (today + timedelta(days=FORECAST_DAYS)).isoformat()
        cases = [c for c in cases if today.isoformat() <= (c.get("due_date") or "") <= horizon]
    band = None
    if show == "age":
        try:
            band = AGE_BANDS[int(request.args.get("band", ""))]
        except (ValueError, IndexError):
            abort(404)
        lo, hi = band
        cases = [
            c
            for c in cases
            if lo <= (today - date.fromisoformat(c["received_on"][:10])).days <= (10**6 if hi is None else hi)
        ]
    kept = [(k, v) for k, v in request.args.items(multi=True) if k not in ("show", "band")]
    return render_template(
        "dashboard_cases.html",
        show=show,
        band=band,
        cases=[{**c, "clock": clock_now(c, d.catalogue, today)} for c in cases],
        more=page.more,
        query=request.query_string.decode(),
        back="/dashboard?" + urlencode(kept),
    )
