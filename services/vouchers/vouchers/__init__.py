"""vouchers: customer choice (LOV): programmes, providers, citizens' vouchers,
redemptions, payments and published results."""

from __future__ import annotations

import os

from flask import Flask
from flask_smorest import Api

from kernel.platform import telemetry
from kernel.platform.dependencies import STORE
from kernel.platform.metrics import OutboxCollector, init_metrics
from kernel.web.app import add_health, base_app
from kernel.web.auth import add_security_scheme, init_auth
from kernel.web.signin import init_signin
from vouchers.settings import VouchersSettings


def create_app(settings: VouchersSettings | None = None, deps=None) -> Flask:  # type: ignore[no-untyped-def]
    from vouchers import work_pages  # noqa: F401 - the officer's and provider's pages join `pages`
    from vouchers.api import blp
    from vouchers.bootstrap import bootstrap
    from vouchers.published import published_figures
    from vouchers.web import language, pages

    settings = settings or VouchersSettings.from_env()
    telemetry.setup("vouchers")
    app = base_app(__name__, settings)
    app.config.update(API_TITLE="Vouchers: customer choice")
    app.extensions["vouchers.deps"] = deps or bootstrap(settings)
    app.extensions["vouchers.published"] = published_figures(
        app.extensions["vouchers.deps"], float(os.environ.get("COMPARISON_CACHE_S", "300"))
    )
    init_auth(app, settings)
    api = Api(app)
    add_security_scheme(api)
    api.register_blueprint(blp)
    app.register_blueprint(pages)
    app.extensions["kernel.page_language"] = language  # the kernel's own pages (429) speak it too
    init_signin(app, settings)
    add_health(app, {STORE: app.extensions["vouchers.deps"].ping})
    init_metrics(
        app, "vouchers", [OutboxCollector(app.extensions["vouchers.deps"].read.db, "vouchers-relay")]
    )
    telemetry.instrument_flask(app)
    return app
