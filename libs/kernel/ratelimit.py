"""Rate limits on public endpoints (Flask-Limiter). Over the limit: 429 with Retry-After.
Behind a proxy, PROXY_HOPS says how many X-Forwarded-For hops to trust.

Counts are kept per process by default (RATELIMIT_STORAGE_URI=memory://), so N
workers allow up to N times a limit; point RATELIMIT_STORAGE_URI at a shared store
(for example redis://) to count across workers and replicas. Not MongoDB: the
`limits` MongoDB storage opens a client in its finaliser, which hangs interpreter
exit (seen with limits 5.8)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.middleware.proxy_fix import ProxyFix

from kernel.settings import Settings

limiter = Limiter(key_func=get_remote_address, headers_enabled=True, strategy="moving-window")


def init_rate_limits(app: Flask, settings: Settings) -> None:
    app.config.update(
        RATELIMIT_STORAGE_URI=settings.rate_limit_storage_uri,
        RATELIMIT_HEADERS_ENABLED=True,
        RATE_LIMITS=settings.rate_limits,
    )
    if settings.proxy_hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxy_hops, x_proto=settings.proxy_hops)
    limiter.init_app(app)


def configured(name: str) -> Callable[[], str]:
    """The limit named `name` in RATE_LIMITS, read per request (so tests may change it)."""
    return lambda: str(current_app.config["RATE_LIMITS"][name])


def limited(name: str):  # type: ignore[no-untyped-def]
    """Decorator: count the request in the bucket `name` (shared by the page and the API)."""
    return limiter.shared_limit(configured(name), scope=name)
