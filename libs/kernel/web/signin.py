"""Signing in to the pages: OpenID Connect authorization code flow with PKCE (Authlib),
the user kept in a signed session cookie, CSRF tokens on every form (Flask-WTF).

The JSON APIs take only Bearer tokens (kernel.web.auth): the session cookie never
authorises an API call, so the APIs need no CSRF token."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar
from urllib.parse import urlparse

from authlib.integrations.flask_client import OAuth
from flask import Blueprint, Flask, abort, current_app, g, redirect, request, session, url_for
from flask_wtf.csrf import CSRFProtect
from requests import RequestException

from kernel.platform.settings import Settings
from kernel.web.auth import ANONYMOUS, Principal, ProviderUnavailable, check, guarded
from kernel.web.pages import ProviderUnavailablePage

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])
SESSION_KEY = "principal"
RETRY_AFTER_S = 5  # a page asks the browser to try again this soon while the provider is away

auth_pages = Blueprint("auth", __name__, url_prefix="/auth")


def init_signin(app: Flask, settings: Settings) -> None:
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",  # sent on the provider's redirect back, not on cross-site posts
        SESSION_COOKIE_SECURE=settings.cookie_secure,
        SESSION_COOKIE_NAME=f"{settings.service}_session",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=8),
        WTF_CSRF_TIME_LIMIT=8 * 3600,
    )
    csrf = CSRFProtect(app)
    oauth = OAuth(app)
    oauth.register(
        "municipal",
        client_id=settings.oidc_client_id,
        server_metadata_url=f"{settings.oidc_issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": "openid profile email roles", "code_challenge_method": "S256"},
    )
    app.extensions["kernel.web.signin"] = (oauth, settings)
    # its own page, whichever handler the app has for other HTTP errors (some answer JSON)
    app.register_error_handler(ProviderUnavailablePage, lambda exc: exc.get_response())
    app.register_blueprint(auth_pages)
    for name, blueprint in app.blueprints.items():
        if name != "auth" and blueprint.url_prefix and blueprint.url_prefix.startswith("/api"):
            csrf.exempt(blueprint)


def session_principal() -> Principal:
    data = session.get(SESSION_KEY)
    if not data:
        return ANONYMOUS
    return Principal(
        subject=data["subject"],
        roles=frozenset(data["roles"]),
        name=data["name"],
        case_types=frozenset(data["case_types"]),
        organisations=frozenset(data.get("organisations", [])),
        personal_number=data.get("personal_number"),
        issuer=data.get("issuer"),
        contact_cases=frozenset(data.get("contact_cases", [])),
        email=data.get("email") or "",
    )


def page_check(permission: str, case_type: str | None = None) -> Principal:
    """For pages: the signed-in user, or a redirect to sign in; 403 if their role may not."""
    g.principal = session_principal()
    if g.principal.anonymous:
        abort(redirect(url_for("auth.login", next=request.full_path)))
    return check(permission, case_type)


def signed_in(permission: str) -> Callable[[F], F]:
    """A page decorator: sign in first, then check the permission."""
    return guarded(lambda _view, _kwargs: page_check(permission), permission, api=False)


def safe_next(target: str | None, default: str = "/") -> str:
    """Only a path on this site: never an open redirect. Browsers read a backslash as a
    slash (`/\\evil.example` is `//evil.example`, another site) and drop tabs and line
    breaks from an address, so a target holding any of them is refused too."""
    if not target or "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return default
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


@auth_pages.get("/login")
def login():  # type: ignore[no-untyped-def]
    oauth, settings = current_app.extensions["kernel.web.signin"]
    session["next"] = safe_next(request.args.get("next"))
    try:
        return oauth.municipal.authorize_redirect(
            url_for("auth.callback", _external=True),
            resource=settings.oidc_audience,
            nonce=secrets.token_urlsafe(16),
        )
    except RequestException as exc:  # the provider's metadata cannot be fetched
        log.warning("sign-in cannot start: the OpenID provider does not answer (%r)", exc)
        raise ProviderUnavailablePage(RETRY_AFTER_S) from exc


@auth_pages.get("/callback")
def callback():  # type: ignore[no-untyped-def]
    oauth, _ = current_app.extensions["kernel.web.signin"]
    verifier, _ = current_app.extensions["kernel.web.auth"]
    try:
        token = oauth.municipal.authorize_access_token()
        principal = verifier.verify(token["access_token"])
    except ProviderUnavailable as exc:
        raise ProviderUnavailablePage(exc.retry_after_s) from exc
    except RequestException as exc:  # the token endpoint does not answer
        log.warning("sign-in cannot finish: the OpenID provider does not answer (%r)", exc)
        raise ProviderUnavailablePage(RETRY_AFTER_S) from exc
    except Exception as exc:  # a replayed, forged or expired response, or a bad token
        log.warning("sign-in failed: %r", exc)
        abort(401, description="Sign-in failed. Please try again.")
    target = session.pop("next", "/")
    session.clear()  # a fresh session on sign-in: no fixation
    session.permanent = True
    session[SESSION_KEY] = {
        "subject": principal.subject,
        "roles": sorted(principal.roles),
        "name": principal.name,
        "case_types": sorted(principal.case_types),
        "organisations": sorted(principal.organisations),
        "personal_number": principal.personal_number,
        "issuer": principal.issuer,
        "email": principal.email or (token.get("userinfo") or {}).get("email") or "",
    }
    return redirect(safe_next(target))


@auth_pages.post("/logout")
def logout():  # type: ignore[no-untyped-def]
    _, settings = current_app.extensions["kernel.web.signin"]
    session.clear()
    return redirect(f"{settings.oidc_issuer}/session/end")
