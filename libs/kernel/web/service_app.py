"""The app factory of every service's web process, from its declaration
(kernel.platform.service): the same steps in the same order for each, and what is the
service's own in its `Web.setup`."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_smorest import Api
from flask_smorest import Blueprint as ApiBlueprint

from kernel.platform import telemetry
from kernel.platform.dependencies import STORE
from kernel.platform.metrics import OutboxCollector, init_metrics
from kernel.platform.service import Service
from kernel.platform.settings import Settings
from kernel.web.app import add_health, base_app, pages_get_error_pages
from kernel.web.auth import add_security_scheme, init_auth
from kernel.web.i18n import bind_formats
from kernel.web.ratelimit import page_language
from kernel.web.signin import init_signin

SWAGGER_UI_URL = "https://cdn.jsdelivr.net/npm/swagger-ui-dist/"


def create_app(service: Service, settings: Settings | None = None, deps: Any = None) -> Flask:
    """`deps`: the service's dependencies already wired (unit tests pass their fakes
    through the service's bootstrap); None: wired here on the store the settings name."""
    settings = settings or service.settings()
    telemetry.setup(service.name)
    app = base_app(service.name, settings)  # the service's package: its templates and static files
    app.config.update(API_TITLE=service.web.title)
    if service.web.api_docs:
        app.config.update(OPENAPI_SWAGGER_UI_PATH="/docs", OPENAPI_SWAGGER_UI_URL=SWAGGER_UI_URL)
    deps = deps if deps is not None else service.bootstrap(settings, None)
    app.extensions[f"{service.name}.deps"] = deps
    init_auth(app, settings)
    api = Api(app)
    # flask-smorest answers every HTTP error with its JSON: the API keeps it, pages get a page
    pages_get_error_pages(app, api.handle_http_exception)
    add_security_scheme(api)
    for blueprint in service.web.blueprints():
        if isinstance(blueprint, ApiBlueprint):
            api.register_blueprint(blueprint)
        else:
            app.register_blueprint(blueprint)
    init_signin(app, settings)
    if service.web.setup is not None:
        service.web.setup(app, deps)
    if "number" not in app.jinja_env.filters:  # every service's pages format the same way
        bind_formats(app, page_language)
    add_health(app, {STORE: deps.ping})
    collectors = list(service.web.collectors(deps))
    if service.routes and deps.db is not None:
        collectors.insert(0, OutboxCollector(deps.db, f"{service.name}-relay"))
    init_metrics(app, service.name, collectors)
    telemetry.instrument_flask(app)
    return app


def deps_of(app: Flask, service: str) -> Any:
    return app.extensions[f"{service}.deps"]
