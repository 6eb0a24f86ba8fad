"""business_desk: case handlers' queues, case handling and processing-time clocks."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from business_desk.settings import DeskSettings
from kernel.platform import telemetry
from kernel.platform.dependencies import STORE
from kernel.platform.metrics import OutboxCollector, init_metrics
from kernel.web.app import add_health, base_app
from kernel.web.auth import add_security_scheme, init_auth
from kernel.web.signin import init_signin


def create_app(settings: DeskSettings | None = None, deps=None) -> Flask:  # type: ignore[no-untyped-def]
    from business_desk.bootstrap import bootstrap
    from business_desk.i18n import init_i18n
    from business_desk.web.api import blp
    from business_desk.web.figures import blp as figures_blp
    from business_desk.web.metrics import CaseFigures
    from business_desk.web.pages import pages

    settings = settings or DeskSettings.from_env()
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
    init_i18n(app, app.extensions["business_desk.deps"].catalogue.country)
    add_health(app, {STORE: app.extensions["business_desk.deps"].ping})
    deps_ = app.extensions["business_desk.deps"]
    init_metrics(
        app,
        "business_desk",
        [
            OutboxCollector(deps_.store.db, "business_desk-relay"),
            CaseFigures(deps_),
        ],
    )
    telemetry.instrument_flask(app)
    return app
