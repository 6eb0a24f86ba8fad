"""intake: business owners submit permit applications and business inquiries."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from intake.settings import IntakeSettings
from kernel.platform import telemetry
from kernel.platform.dependencies import STORE
from kernel.platform.metrics import OutboxCollector, init_metrics
from kernel.web.app import add_health, allow_body, base_app, wants_json
from kernel.web.auth import add_security_scheme, init_auth
from kernel.web.signin import init_signin


def create_app(settings: IntakeSettings | None = None, deps=None) -> Flask:  # type: ignore[no-untyped-def]
    from intake.bootstrap import bootstrap
    from intake.i18n import CATALOGUE_LANGUAGES, init_i18n, languages, request_language, t
    from intake.web.api import blp
    from intake.web.pages import BODY_BUDGETS, page_language, pages

    settings = settings or IntakeSettings.from_env()
    telemetry.setup("intake")
    app = base_app(__name__, settings)
    for endpoint, budget in BODY_BUDGETS.items():  # checked before the CSRF check reads the form
        allow_body(app, endpoint, budget)
    app.config.update(
        API_TITLE="Intake: business inquiries",
        OPENAPI_SWAGGER_UI_PATH="/docs",
        OPENAPI_SWAGGER_UI_URL="https://cdn.jsdelivr.net/npm/swagger-ui-dist/",
    )
    app.extensions["intake.deps"] = deps or bootstrap(settings)
    init_i18n(app, app.extensions["intake.deps"].catalogue.country)
    app.jinja_env.globals["offered_languages"] = languages
    init_auth(app, settings)
    api = Api(app)
    add_security_scheme(api)
    api.register_blueprint(blp)
    app.register_blueprint(pages)
    init_signin(app, settings)
    add_health(app, {STORE: app.extensions["intake.deps"].ping})
    store = app.extensions["intake.deps"].store
    init_metrics(app, "intake", [OutboxCollector(store.db, "intake-relay")])
    telemetry.instrument_flask(app)

    def error_language() -> str:
        body = request.get_json(silent=True) if request.is_json else None
        chosen = body.get("language") if isinstance(body, dict) else None
        return chosen if chosen in CATALOGUE_LANGUAGES else request_language(default="en")

    @app.errorhandler(422)
    def unprocessable(exc):  # type: ignore[no-untyped-def]
        lang = error_language()
        messages = getattr(exc, "data", {}).get("messages", {})
        translated = {
            location: {field: [t(m, lang) for m in msgs] for field, msgs in fields.items()}
            for location, fields in messages.items()
        }
        body = {
            "code": 422,
            "status": "Unprocessable Entity",
            "message": t("validation.message", lang),
            "errors": translated,
        }
        return jsonify(body), 422

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
        """Applicants' pages answer with a page in their language; the API in JSON."""
        if wants_json() or exc.code is None or exc.code < 400:
            return api.handle_http_exception(exc)
        lang = page_language()
        message = exc.description if exc.description != type(exc).description else t("error.generic", lang)
        page = render_template("message.html", lang=lang, t=lambda k: t(k, lang), message=message, error=True)
        headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
        return page, exc.code, headers

    @app.errorhandler(413)
    def too_large(exc):  # type: ignore[no-untyped-def]
        lang = request_language(default="en")
        if wants_json():
            return jsonify(code=413, status="Payload Too Large", message=t("body.too_large", lang)), 413
        return t("body.too_large", lang), 413

    return app
