"""What every service's Flask app shares: rate and size limits, errors (JSON on the API, a page
in the page's language elsewhere: kernel.web.error_pages), health endpoints."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, abort, jsonify, render_template_string, request
from werkzeug.exceptions import HTTPException

from kernel.platform.dependencies import TRACKER, readiness
from kernel.platform.settings import Settings
from kernel.web.error_pages import error_page, http_error_page
from kernel.web.i18n import kernel_text
from kernel.web.paging import add_pager_template
from kernel.web.ratelimit import init_rate_limits, page_language

# How many bytes of body a route takes, given its view arguments: it may refuse first
# (abort) when the caller may send no body there at all, e.g. an unknown tracking link.
BodyBudget = Callable[[dict[str, Any]], int]

log = logging.getLogger(__name__)


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


SWAGGER_UI_CDN = "https://cdn.jsdelivr.net"


def content_security_policy(settings: Settings, api_docs: bool = False) -> str:
    """Pages load nothing from elsewhere, run no inline script and cannot be framed.
    Forms post to this service, or to the sign-in provider. The interactive API docs
    (Swagger UI) load from a CDN and start with an inline script."""
    cdn = f" {SWAGGER_UI_CDN}" if api_docs else ""
    inline_script = " 'unsafe-inline'" if api_docs else ""
    return "; ".join(
        [
            "default-src 'self'",
            "img-src 'self' data:",
            f"style-src 'self' 'unsafe-inline'{cdn}",  # each page carries its small stylesheet
            f"script-src 'self'{inline_script}{cdn}",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            f"form-action 'self' {settings.oidc_issuer}",
        ]
    )


def base_app(name: str, settings: Settings) -> Flask:
    app = Flask(name)
    app.config.update(
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
        MAX_FORM_MEMORY_SIZE=settings.max_request_bytes,
        JSON_SORT_KEYS=False,
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
    )
    init_rate_limits(app, settings)  # first: a flood is turned away before any other work
    add_pager_template(app)
    app.extensions["kernel.body_budgets"] = {}

    @app.before_request
    def bound_the_body() -> None:
        """Second, before anything reads the body (the CSRF check included): the route's
        budget, MAX_REQUEST_BYTES unless the route declared its own. A declared Content-Length
        over it is refused unread; a chunked body is cut off when it passes it."""
        budget = app.extensions["kernel.body_budgets"].get(request.endpoint)
        limit = budget(request.view_args or {}) if budget else settings.max_request_bytes
        request.max_content_length = limit
        if budget:
            # the multipart parser holds a read chunk (64 KiB) plus what it has not parsed
            # yet against this limit, files included: at MAX_REQUEST_BYTES an upload of a
            # few hundred kB could be refused. A text field's length is its form's to refuse.
            request.max_form_memory_size = max(settings.max_request_bytes, 1024 * 1024)
        if request.content_length is not None and request.content_length > limit:
            abort(413)

    csp = content_security_policy(settings)
    docs_csp = content_security_policy(settings, api_docs=True)

    @app.after_request
    def security_headers(response):  # type: ignore[no-untyped-def]
        docs = app.config.get("OPENAPI_SWAGGER_UI_PATH")
        is_docs = docs and request.path == app.config["OPENAPI_URL_PREFIX"] + docs
        response.headers.setdefault("Content-Security-Policy", docs_csp if is_docs else csp)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
        if not wants_json():
            return http_error_page(exc)  # a page in the page's language, with a way on
        headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]  # Retry-After
        return jsonify(code=exc.code, status=exc.name, message=exc.description), exc.code, headers

    @app.errorhandler(RecursionError)
    def too_deep(exc: RecursionError):  # type: ignore[no-untyped-def]
        # json.loads gives up on a body nested thousands deep with RecursionError
        body = {"code": 400, "status": "Bad Request", "message": "The request body is nested too deeply."}
        return jsonify(body), 400

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):  # type: ignore[no-untyped-def]
        if TRACKER.report(exc) is not None:  # the store (or another dependency) is away
            return dependency_unavailable()
        log.exception("unhandled error on %s %s", request.method, request.path)
        if not wants_json():
            return error_page(500)
        body = {"code": 500, "status": "Internal Server Error", "message": "An unexpected error occurred."}
        return jsonify(body), 500

    return app


def pages_get_error_pages(app: Flask, api_handler: Callable[[HTTPException], Any]) -> None:
    """HTTP errors answered by `api_handler` (flask-smorest's JSON) on the API only; a page
    is answered with a page in its language (kernel.web.error_pages)."""

    def http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
        if wants_json():
            return api_handler(exc)
        return http_error_page(exc)

    app.register_error_handler(HTTPException, http_error)


def allow_body(app: Flask, endpoint: str, budget: BodyBudget) -> None:
    """Let `endpoint` take a body beyond MAX_REQUEST_BYTES, as `budget` decides per request
    before the body is read."""
    app.extensions["kernel.body_budgets"][endpoint] = budget


def add_health(app: Flask, checks: dict[str, Callable[[], object]]) -> None:
    """/healthz: the process answers. /readyz: its store (and other dependencies) answer."""

    @app.get("/healthz")
    def healthz():  # type: ignore[no-untyped-def]
        return jsonify(status="ok")

    @app.get("/readyz")
    def readyz():  # type: ignore[no-untyped-def]
        body, status = readiness(checks)
        return jsonify(body), status


# How soon a caller may try again while a dependency is away: about a store restart.
RETRY_AFTER_S = 5

UNAVAILABLE_PAGE = """<!doctype html>
<html lang="{{ lang }}"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><main><h1>{{ title }}</h1><p>{{ message }}</p></main></body></html>"""


def dependency_unavailable() -> Response:
    """503 with Retry-After: JSON (the API's error shape) for the API, else a page in the
    page's language. Nothing of the request was kept: it may simply be sent again."""
    lang = page_language()
    message = kernel_text("store_unavailable.message", lang)
    if wants_json():
        response = jsonify(code=503, status="Service Unavailable", message=message)
    else:
        title = kernel_text("store_unavailable.title", lang)
        response = Response(render_template_string(UNAVAILABLE_PAGE, lang=lang, title=title, message=message))
        response.content_language = lang  # type: ignore[assignment]
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_S)
    response.headers["Cache-Control"] = "no-store"
    return response
