"""The processing-time figures as an API: JSON and CSV for managers, the Insikt case list,
and the open KPI feed anyone may read."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain

from flask import Response, current_app
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate

from business_desk.bootstrap import Deps
from business_desk.readmodels import dashboard
from kernel.web.auth import Principal, current_principal, require
from kernel.web.fields import SingleLineText

blp = Blueprint(
    "figures", __name__, url_prefix="/api/v1", description="Processing-time figures, exports and open KPIs"
)


def deps() -> Deps:
    return current_app.extensions["business_desk.deps"]


class FiguresQuerySchema(Schema):
    period = fields.String(
        load_default=None,
        validate=validate.OneOf(list(dashboard.PERIODS)),
        metadata={"description": "4w, 13w (default) or 52w, ending today; or give from/to"},
    )
    from_ = fields.Date(data_key="from", load_default=None)
    to = fields.Date(load_default=None)
    case_type = SingleLineText(load_default=None)
    team = SingleLineText(load_default=None)
    handler = SingleLineText(
        load_default=None,
        validate=validate.Length(0, 500),
        metadata={"description": "Only the decisions of this handler, by actor id (`<issuer>#<subject>`)"},
    )
    group_by = fields.String(load_default=None, validate=validate.OneOf(list(dashboard.GROUPS)))


class KpiQuerySchema(Schema):
    year = fields.Integer(
        load_default=None,
        validate=validate.Range(2000, 2100),
        metadata={"description": "A calendar year; the last 12 months when left out"},
    )


def readable_case_types(principal: Principal) -> list[str]:
    _, matrix = current_app.extensions["kernel.web.auth"]
    return [ct for ct in deps().catalogue.case_types if matrix.allows(principal, "dashboard.read", ct)]


def scope_from(query: dict, principal: Principal) -> dashboard.Scope:
    today = deps().clock().date()
    try:
        return dashboard.scope(
            deps(),
            readable_case_types(principal),
            today,
            period=query.get("period"),
            start=query["from_"].isoformat() if query.get("from_") else None,
            end=query["to"].isoformat() if query.get("to") else None,
            case_type=query.get("case_type"),
            team=query.get("team"),
            handler=query.get("handler"),
            group_by=query.get("group_by"),
        )
    except dashboard.BadQuery as exc:
        field, _, reason = str(exc).partition(": ")
        abort(422, message=str(exc), errors={"query": {field: [reason]}})


@blp.route("/figures")
class Figures(MethodView):
    @require("dashboard.read")
    @blp.arguments(FiguresQuerySchema, location="query")
    @blp.response(200)
    def get(self, query: dict) -> dict:
        """Received, decided, open; median, P90 and share within target (net and gross);
        backlog by age, overdue now, breaches forecast; a weekly trend; optionally grouped."""
        return dashboard.figures_for(deps(), scope_from(query, current_principal()))


@blp.route("/figures.csv")
class FiguresCsv(MethodView):
    @require("dashboard.read")
    @blp.arguments(FiguresQuerySchema, location="query")
    @blp.response(200, content_type="text/csv")
    def get(self, query: dict) -> Response:
        """The same figures as CSV: one row per total, week and group."""
        result = dashboard.figures_for(deps(), scope_from(query, current_principal()))
        return csv_response(dashboard.figures_csv(result), "processing-times.csv")


@blp.route("/exports/insikt.csv")
class InsiktCaseList(MethodView):
    @require("dashboard.read")
    @blp.arguments(FiguresQuerySchema, location="query")
    @blp.response(200, content_type="text/csv")
    def get(self, query: dict) -> Response:
        """SKR Insikt's case template: the cases decided in the period, of the surveyed case
        types, with the contact to send the survey to (semicolon-separated, UTF-8)."""
        scope_ = scope_from(query, current_principal())
        return csv_response(dashboard.insikt_case_list(deps(), scope_), "insikt-arendemall.csv")


@blp.route("/kpi")
class Kpi(MethodView):
    @require("kpi.read")
    @blp.arguments(KpiQuerySchema, location="query")
    @blp.response(200)
    def get(self, query: dict) -> dict:
        """Open figures per case type (Kolada-style): share decided within target and median
        days, so municipalities can compare themselves. No personal data."""
        return dashboard.kpi_feed(deps(), query["year"])


def csv_response(content: str | Iterable[str], filename: str) -> Response:
    """A CSV download: a text, or its lines streamed as they are produced. The lines are
    made from what the view handed them (its deps), not from the request's context:
    keeping that context alive for the stream left the caller's identity on the thread
    until the stream was closed, and a test client's next request on it inherited it."""
    lines = [content] if isinstance(content, str) else content
    body = chain(["\ufeff"], lines)  # a byte-order mark, so spreadsheet programs read the UTF-8
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
