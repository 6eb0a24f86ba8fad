"""business_desk: case handlers' queues, case handling and processing-time clocks."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from kernel import telemetry
from kernel.auth import add_security_scheme, init_auth
from kernel.connections import mongo_client
from kernel.metrics import FunctionCollector, OutboxCollector, init_metrics
from kernel.settings import Settings
from kernel.signin import init_signin
from kernel.web import add_health, base_app


def case_gauges(deps) -> dict:  # type: ignore[no-untyped-def]
    """The business figures per case type: open now, and over the last 12 months decided,
    median days and share within target (the open KPI feed's figures)."""
    from business_desk.dashboard import kpi_feed

    feed = kpi_feed(deps)
    open_now = deps.cases.counts()

    def per_type(field: str) -> dict:
        return {
            (("case_type", row["case_type"]),): float(row[field])
            for row in feed["values"]
            if row[field] is not None
        }

    return {
        "cases_open": ("Open cases now", {(("case_type", k),): float(v) for k, v in open_now.items()}),
        "cases_decided_last_12_months": ("Cases decided in the last 12 months", per_type("decided")),
        "cases_median_days_last_12_months": ("Median days to decision, legal clock", per_type("median_days")),
        "cases_share_within_target_last_12_months": (
            "Share decided within target",
            per_type("share_within_target"),
        ),
    }


def create_app(settings: Settings | None = None, deps=None) -> Flask:  # type: ignore[no-untyped-def]
    from business_desk.api import blp
    from business_desk.bootstrap import bootstrap
    from business_desk.figures_api import blp as figures_blp
    from business_desk.web import pages

    settings = settings or Settings.from_env("business_desk")
    telemetry.setup("business_desk")
    app = base_app(__name__, settings)
    app.config.update(API_TITLE="Business desk: case handling")
    app.extensions["business_desk.deps"] = deps or bootstrap(settings)
    init_auth(app, settings)
    api = Api(app)
    add_security_scheme(api)
    api.register_blueprint(blp)
    api.register_blueprint(figures_blp)
    app.register_blueprint(pages)
    init_signin(app, settings)
    add_health(app, {"mongodb": app.extensions["business_desk.deps"].ping})
    deps_ = app.extensions["business_desk.deps"]
    init_metrics(
        app,
        "business_desk",
        [
            OutboxCollector(mongo_client(settings)[settings.database], "business_desk-relay"),
            FunctionCollector(lambda: case_gauges(deps_)),
        ],
    )
    telemetry.instrument_flask(app)
    return app
