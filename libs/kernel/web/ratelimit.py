"""Rate limits (Flask-Limiter) on every request of every service, before any other work:

- per client address, every route (RATE_LIMIT_ADDRESS); behind a proxy, PROXY_HOPS says
  how many X-Forwarded-For hops to trust;
- per signed-in caller (issuer and subject of a verified token or of the page session),
  every route (RATE_LIMIT_SUBJECT; RATE_LIMIT_SERVICE for other services' tokens, whose
  consumers call in bursts);
- named buckets on the costly public routes (intake's submit and tracking), shared by a
  page and its API twin.

Over a limit: 429 with Retry-After, in JSON on the API and in the page's language on pages.

Counts live in RATELIMIT_STORAGE_URI: `memory://` (the default) counts per process, so N
workers allow N times a limit; production points it at the MongoDB the services already
use (`mongodb://...`, database `ratelimits`, expired windows dropped by a TTL index), so
every worker and replica counts together."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, g, jsonify, render_template_string, request
from flask_limiter import ApplicationLimit, Limiter
from flask_limiter.errors import RateLimitExceeded
from flask_limiter.util import get_remote_address
from limits.storage import MongoDBStorage
from werkzeug.middleware.proxy_fix import ProxyFix

from kernel.platform.settings import Settings
from kernel.web.auth import ANONYMOUS, Principal
from kernel.web.i18n import kernel_text

# Probes of the orchestrator; /metrics is served on the metrics port, not here.
UNLIMITED_ENDPOINTS = frozenset({"healthz", "readyz"})


class MongoLimiterStorage(MongoDBStorage):
    """limits' MongoDB storage without its finaliser, which reads the lazily connecting
    property (opening a client when the storage was never used) and closes the client
    during interpreter shutdown: either hangs the exit. PyMongo cleans up its own clients.
    Registered for mongodb:// in the library's place."""

    STORAGE_SCHEME = ["mongodb", "mongodb+srv"]  # noqa: RUF012 - as the base class declares it

    def __del__(self) -> None:
        pass


def configured(name: str) -> Callable[[], str]:
    """The limit named `name` in RATE_LIMITS, read per request (so tests may change it)."""
    return lambda: str(current_app.config["RATE_LIMITS"][name])


def client_address() -> str:
    """The counting key of the client's address, per service (they share one store)."""
    return f"{current_app.config['RATELIMIT_SERVICE']}|{get_remote_address() or 'unknown'}"


def caller() -> Principal:
    """Who is calling, once per request: the verified bearer token (a bad one is refused
    with 401 here, as the view would), else the page session, else anonymous."""
    if "rate_limited_caller" not in g:
        g.rate_limited_caller = _caller()
    return g.rate_limited_caller  # type: ignore[no-any-return]


def _caller() -> Principal:
    if request.headers.get("Authorization") and "kernel.web.auth" in current_app.extensions:
        from kernel.web.auth import current_principal

        return current_principal()
    if "csrf" in current_app.extensions:  # kernel.web.signin is set up: pages with a session
        from kernel.web.signin import session_principal

        return session_principal()
    return ANONYMOUS


def caller_key() -> str:
    principal = caller()
    return f"{current_app.config['RATELIMIT_SERVICE']}|{principal.issuer or ''}#{principal.subject}"


def caller_limit() -> str:
    name = "service" if "service" in caller().roles else "subject"
    return str(current_app.config["RATE_LIMITS"][name])


def unlimited() -> bool:
    return request.endpoint in UNLIMITED_ENDPOINTS


def anonymous_or_unlimited() -> bool:
    return unlimited() or caller().anonymous


def too_many_requests_text() -> str:
    return kernel_text("rate_limited.message", page_language())


def page_language() -> str:
    """The page's language as the service chooses it (kernel.web.i18n records its chooser)."""
    choose = current_app.extensions.get("kernel.page_language")
    return choose() if choose else "en"


limiter = Limiter(
    key_func=client_address,
    application_limits=[
        ApplicationLimit(
            configured("address"),
            key_function=client_address,
            scope="address",
            exempt_when=unlimited,
            error_message=too_many_requests_text,
        ),
        ApplicationLimit(
            caller_limit,
            key_function=caller_key,
            scope="caller",
            exempt_when=anonymous_or_unlimited,
            error_message=too_many_requests_text,
        ),
    ],
    headers_enabled=True,
    strategy="moving-window",
    fail_on_first_breach=True,  # a flooding address is refused before its token is verified
)

LIMITER_RETRY_AFTER = "X-RateLimit-Retry-After"
TOO_MANY_PAGE = """<!doctype html>
<html lang="{{ lang }}"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><main><h1>{{ title }}</h1><p>{{ message }}</p></main></body></html>"""


def init_rate_limits(app: Flask, settings: Settings) -> None:
    """Call first on a new app: the limiter's check then runs before any other hook."""
    app.config.update(
        RATELIMIT_STORAGE_URI=settings.rate_limit_storage_uri,
        RATELIMIT_STORAGE_OPTIONS=_storage_options(settings),
        RATELIMIT_HEADERS_ENABLED=True,
        RATE_LIMITS=settings.rate_limits,
        RATELIMIT_SERVICE=settings.service,
        # Flask-Limiter skips a request without an endpoint: a path that matches no route
        # (a scan of guessed URLs, a 404 or 405) would be free.
        RATELIMIT_REQUEST_IDENTIFIER=lambda: request.endpoint or "unrouted",
        # Flask-Limiter would put its window's reset into Retry-After on every response,
        # overriding a 503's own (the store is back in seconds, not at the minute's end):
        # its value travels under its own name, and Retry-After is said only by a 429 or 503.
        RATELIMIT_HEADER_RETRY_AFTER=LIMITER_RETRY_AFTER,
    )
    if settings.proxy_hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxy_hops, x_proto=settings.proxy_hops)  # type: ignore[method-assign]
    limiter.init_app(app)

    @app.errorhandler(RateLimitExceeded)
    def too_many(exc: RateLimitExceeded) -> tuple[Any, int, dict[str, str]]:
        from kernel.web.app import wants_json

        lang = page_language()
        message = kernel_text("rate_limited.message", lang)
        retry = {"Retry-After": str(seconds_until_reset())}
        if wants_json():
            return jsonify(code=429, status="Too Many Requests", message=message), 429, retry
        title = kernel_text("rate_limited.title", lang)
        page = render_template_string(TOO_MANY_PAGE, lang=lang, title=title, message=message)
        return page, 429, retry


def seconds_until_reset() -> int:
    """How long until the breached limit lets this caller in again."""
    breached = limiter.current_limit
    return max(1, math.ceil(breached.reset_at - time.time())) if breached else 60


def _storage_options(settings: Settings) -> dict[str, str]:
    if settings.rate_limit_storage_uri.startswith("mongodb"):
        return {"database_name": settings.rate_limit_database}
    return {}


def limited(name: str):  # type: ignore[no-untyped-def]
    """Decorator: count the request in the bucket `name` (shared by the page and the API)
    besides the address and caller limits every request counts in."""
    return limiter.shared_limit(configured(name), scope=name, error_message=too_many_requests_text)
