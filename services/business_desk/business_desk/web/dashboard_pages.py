"""The dashboard: processing-time figures of the case types one may read, as a page, as
JSON and as CSV (the figures, and the case list in Insikt's template)."""

from __future__ import annotations

from dataclasses import replace

from flask import abort, g, jsonify, render_template, request

from business_desk.readmodels import dashboard
from business_desk.web import charts
from business_desk.web.figures import csv_response, readable_case_types
from business_desk.web.page_blueprint import deps, pages
from business_desk.web.roster import roster_choices
from kernel.web.signin import page_check


def _dashboard_scope() -> dashboard.Scope:
    principal = page_check("dashboard.read")
    args = request.args
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
    except dashboard.BadQuery as exc:
        abort(422, description=str(exc))


@pages.get("/dashboard")
def dashboard_page():  # type: ignore[no-untyped-def]
    d = deps()
    scope_ = _dashboard_scope()
    if scope_.group_by is None:
        scope_ = replace(scope_, group_by="case_type")
    result = dashboard.figures_for(d, scope_)
    readable = readable_case_types(g.principal)
    return render_template(
        "dashboard.html",
        figures=result,
        scope=scope_,
        args=request.args,
        periods=dashboard.PERIODS,
        groups=dashboard.GROUPS,
        case_types=[d.catalogue.get(ct) for ct in readable],
        teams=sorted({d.catalogue.get(ct).team for ct in readable}),
        handlers=roster_choices(d.catalogue, readable),
        query=request.query_string.decode(),
        deliveries=d.delivery_figures(),
        charts={
            "trend": charts.trend(result),
            "times": charts.times(result),
            "within_target": charts.within_target(result),
            "backlog": charts.backlog(result),
        },
    )


@pages.get("/dashboard/figures.json")
def dashboard_json():  # type: ignore[no-untyped-def]
    return jsonify(dashboard.figures_for(deps(), _dashboard_scope()))


@pages.get("/dashboard/figures.csv")
def dashboard_csv():  # type: ignore[no-untyped-def]
    result = dashboard.figures_for(deps(), _dashboard_scope())
    return csv_response(dashboard.figures_csv(result), "processing-times.csv")


@pages.get("/dashboard/insikt.csv")
def dashboard_insikt():  # type: ignore[no-untyped-def]
    return csv_response(dashboard.insikt_case_list(deps(), _dashboard_scope()), "insikt-arendemall.csv")
