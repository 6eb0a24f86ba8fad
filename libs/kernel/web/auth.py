"""Who is calling and what they may do.

Callers present an OAuth access token (a JWT from the OpenID provider: staff and
applicants through the authorization code flow, services through client credentials).
The token is checked against the issuer's published keys, its issuer, audience and
expiry; its role claim (OIDC_ROLE_CLAIM) and `case_types` claim make the Principal.
What each role may do is data: config/permissions.yaml.

Over 300 lines for a reason: checking the token, making its Principal and guarding a view
by permission are the one path every request takes, and read (and are reviewed) together."""

from __future__ import annotations

import logging
import math
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache, wraps
from pathlib import Path
from typing import Any, TypeVar

import requests
import yaml
from flask import Flask, current_app, g, request
from flask_smorest import abort
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from kernel.domain.actors import Actor, actor_id
from kernel.platform.settings import REPO_ROOT, Settings

log = logging.getLogger(__name__)

PERMISSIONS_FILE = REPO_ROOT / "config" / "permissions.yaml"
SCOPES = ("own", "team", "all")  # narrowest first
# A grant to `service:<name>` is held by that one service only (its `service` claim);
# a grant to `service` by every service.
SERVICE_ROLE_PREFIX = "service:"
SERVICE_ROLE = "service"
ALGORITHMS = ["RS256", "PS256", "ES256", "EdDSA"]


class InvalidToken(Exception):
    """The token is malformed, forged, expired, or meant for someone else."""


@dataclass(frozen=True)
class Principal:
    subject: str | None
    roles: frozenset[str]
    name: str = ""
    case_types: frozenset[str] = field(default_factory=frozenset)
    service: str | None = None
    # the organisations an applicant represents: organisation numbers, digits only
    organisations: frozenset[str] = field(default_factory=frozenset)
    # a citizen's personnummer (the `personnummer` claim, from an e-ID sign-in), digits only
    personal_number: str | None = None
    # the token's issuer: with the subject, who the caller is (see kernel.domain.actors)
    issuer: str | None = None
    # cases reachable one by one because they name the signed-in address as their contact
    # (an email-link session): never their organisation's other cases. `organisations`
    # comes only from a verified claim.
    contact_cases: frozenset[str] = field(default_factory=frozenset)
    # the sign-in's `email` claim, when it gives one (prefills the applicant's forms)
    email: str = ""

    @property
    def anonymous(self) -> bool:
        return self.subject is None

    @property
    def actor_id(self) -> str | None:
        """Who the caller is, for events, read models and logs: issuer and subject (a
        display name is not an identity). None for an anonymous caller or one without
        an issuer (an email-link session of the applicant portal)."""
        if self.subject is None or not self.issuer:
            return None
        return actor_id(self.issuer, self.subject)

    @property
    def actor(self) -> Actor | None:
        """The caller as the events record them: who, and the name to show."""
        who = self.actor_id
        return None if who is None else Actor(who, self.name or str(self.subject))


ANONYMOUS = Principal(subject=None, roles=frozenset({"anonymous"}))


class PermissionMatrix:
    def __init__(self, permissions: dict[str, dict[str, str]], roles: Iterable[str]) -> None:
        self.roles = tuple(roles)
        self.permissions = permissions
        for permission, grants in permissions.items():
            for role, scope in grants.items():
                if not self._known_role(role) or scope not in SCOPES:
                    raise ValueError(f"{permission}: unknown role {role!r} or scope {scope!r}")

    def _known_role(self, role: str) -> bool:
        if role.startswith(SERVICE_ROLE_PREFIX):
            return "service" in self.roles and bool(role.removeprefix(SERVICE_ROLE_PREFIX))
        return role in self.roles

    @classmethod
    def load(cls, path: Path = PERMISSIONS_FILE) -> PermissionMatrix:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return cls(data["permissions"], data["roles"])

    def scope(self, principal: Principal, permission: str) -> str | None:
        """The widest scope any of the principal's roles has, or None."""
        grants = self.permissions[permission]
        held = [grants[r] for r in granted_roles(principal) if r in grants]
        return max(held, key=SCOPES.index) if held else None

    def allows(self, principal: Principal, permission: str, case_type: str | None = None) -> bool:
        """Whether the principal may use the permission; with a case type, on that case type.
        `own` scopes are settled by the caller (for example by the tracking link)."""
        scope = self.scope(principal, permission)
        if scope is None:
            return False
        if scope == "team" and case_type is not None:
            return case_type in principal.case_types
        return True


def granted_roles(principal: Principal) -> set[str]:
    """The principal's roles, and for a service also `service:<its name>`."""
    roles = set(principal.roles)
    if "service" in roles and principal.service:
        roles.add(f"{SERVICE_ROLE_PREFIX}{principal.service}")
    return roles


@cache
def default_matrix() -> PermissionMatrix:
    """config/permissions.yaml, read once per process."""
    return PermissionMatrix.load()


class TokenVerifier:
    """Checks access tokens against the issuer's JSON Web Key Set. The set is fetched
    again once it is `ttl_s` old (a key the issuer removed stops verifying within that
    time) and when a token names a key it does not know (the issuer rotated its keys;
    at most every `min_refetch_s`, so made-up key ids cannot flood the issuer). While
    the issuer cannot be reached the verifier raises ProviderUnavailable, and asks it
    again only after `retry_after_s`: requests fail fast rather than each waiting on it."""

    def __init__(
        self,
        issuer: str,
        audience: str,
        role_claim: str = "roles",
        fetch: Callable[[str], dict[str, Any]] | None = None,
        min_refetch_s: float = 30.0,
        ttl_s: float = 300.0,
        retry_after_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.issuer = issuer
        self.audience = audience
        self.role_claim = role_claim
        self._fetch = fetch or fetch_json
        self._keys: KeySet | None = None
        self._fetched_at = 0.0
        self._failed_until = 0.0
        self._min_refetch_s = min_refetch_s
        self._ttl_s = ttl_s
        self._retry_after_s = retry_after_s
        self._clock = clock
        self._lock = threading.Lock()

    def _key_set(self, unknown_key: bool = False) -> KeySet:
        with self._lock:
            now = self._clock()
            age = now - self._fetched_at
            expired = self._keys is None or age >= self._ttl_s
            if not expired and not (unknown_key and age >= self._min_refetch_s):
                return self._keys  # type: ignore[return-value]
            if now < self._failed_until:
                raise ProviderUnavailable(self._failed_until - now)
            try:
                discovery = self._fetch(f"{self.issuer}/.well-known/openid-configuration")
                self._keys = KeySet.import_key_set(self._fetch(str(discovery["jwks_uri"])))
            except (requests.RequestException, JoseError, ValueError, KeyError, TypeError) as exc:
                self._failed_until = now + self._retry_after_s
                log.warning("the OpenID provider's keys cannot be fetched: %r", exc)
                raise ProviderUnavailable(self._retry_after_s) from exc
            self._fetched_at = now
            return self._keys

    def verify(self, token: str) -> Principal:
        """The caller the token names; InvalidToken if it is not valid here,
        ProviderUnavailable if that cannot be told now."""
        try:
            try:
                decoded = jwt.decode(token, self._key_set(), algorithms=ALGORITHMS)
            except (InvalidKeyIdError, ValueError):  # a key id we do not know (yet)
                decoded = jwt.decode(token, self._key_set(unknown_key=True), algorithms=ALGORITHMS)
            jwt.JWTClaimsRegistry(
                iss={"essential": True, "value": self.issuer},
                aud={"essential": True, "value": self.audience},
                exp={"essential": True},
                sub={"essential": True},
            ).validate(decoded.claims)
        except (JoseError, ValueError, KeyError) as exc:
            raise InvalidToken(str(exc) or type(exc).__name__) from exc
        return principal_from_claims(decoded.claims, self.role_claim)


def principal_from_claims(claims: dict[str, Any], role_claim: str) -> Principal:
    """The caller a verified token's claims name. The `service` role is honoured only
    from a token a client obtained for itself (client credentials), and such a token
    holds no role of a person: a user's token that claims `service` is a user's token."""
    roles = claims.get(role_claim) or []
    if isinstance(roles, str):
        roles = roles.split()
    roles = frozenset(str(r) for r in roles)
    machine = is_client_credentials(claims)
    roles = roles & {SERVICE_ROLE} if machine else roles - {SERVICE_ROLE}
    service = str(claims.get("service") or claims["client_id"]) if machine and roles else None
    return Principal(
        subject=str(claims["sub"]),
        roles=roles,
        name=str(claims.get("name") or service or claims["sub"]),
        case_types=frozenset(claims.get("case_types") or []),
        service=service,
        organisations=organisations_claim(claims.get("organisation_number")),
        personal_number=re.sub(r"\D", "", str(claims["personnummer"]))
        if claims.get("personnummer")
        else None,
        issuer=str(claims["iss"]),
        email=str(claims.get("email") or ""),
    )


def is_client_credentials(claims: dict[str, Any]) -> bool:
    """Whether the token was issued to a client for itself (the client credentials
    grant), not to a person: its subject is the client (RFC 9068, section 2.2; what
    oidc-provider issues). A person's token names the person as subject and the
    application they signed in to as `client_id`."""
    client_id = claims.get("client_id")
    return isinstance(client_id, str) and bool(client_id) and claims.get("sub") == client_id


class ProviderUnavailable(Exception):
    """The OpenID provider cannot be reached: a token cannot be checked right now."""

    def __init__(self, retry_after_s: float) -> None:
        super().__init__("the OpenID provider cannot be reached")
        self.retry_after_s = max(1, math.ceil(retry_after_s))


def organisations_claim(value: object) -> frozenset[str]:
    """The `organisation_number` claim (one or a list), as digits only."""
    values = value if isinstance(value, list) else [value] if value else []
    return frozenset(digits for v in values if (digits := re.sub(r"\D", "", str(v))))


def fetch_json(url: str) -> dict[str, Any]:
    response = requests.get(url, timeout=5)
    response.raise_for_status()
    return dict(response.json())


# Flask glue ---------------------------------------------------------------------------

F = TypeVar("F", bound=Callable[..., Any])


def init_auth(
    app: Flask,
    settings: Settings,
    verifier: TokenVerifier | None = None,
    matrix: PermissionMatrix | None = None,
) -> None:
    app.extensions["kernel.web.auth"] = (
        verifier
        or TokenVerifier(
            settings.oidc_issuer,
            settings.oidc_audience,
            settings.oidc_role_claim,
            ttl_s=settings.oidc_jwks_ttl_s,
        ),
        matrix or default_matrix(),
    )


def _unauthorized(reason: str) -> None:
    abort(
        401,
        message=f"Sign in first: {reason}",
        headers={
            "WWW-Authenticate": f'Bearer realm="municipal", error="invalid_token", '
            f'error_description="{reason}"'
        },
    )


def current_principal() -> Principal:
    """The caller of this request; a bad token is refused with 401 (never treated as anonymous)."""
    if "principal" in g:
        return g.principal  # type: ignore[no-any-return]
    verifier, _ = current_app.extensions["kernel.web.auth"]
    header = request.headers.get("Authorization", "")
    if not header:
        principal = ANONYMOUS
    else:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            _unauthorized("expected a Bearer token")
        try:
            principal = verifier.verify(token.strip())
        except InvalidToken as exc:
            _unauthorized(f"the token is not valid ({exc})")
        except ProviderUnavailable as exc:
            abort(
                503,
                message="The sign-in service cannot be reached, so the token cannot be checked. "
                "Please try again shortly.",
                headers={"Retry-After": str(exc.retry_after_s)},
            )
    g.principal = principal
    return principal


def check(permission: str, case_type: str | None = None) -> Principal:
    """Refuse the request (401 without a token, 403 with one) unless the caller may."""
    principal = current_principal()
    _, matrix = current_app.extensions["kernel.web.auth"]
    if not matrix.allows(principal, permission, case_type):
        if principal.anonymous:
            _unauthorized("this needs a signed-in user")
        abort(403, message=f"Your role may not do this ({permission}).")
    return principal


def current_scope(permission: str) -> str | None:
    """How far the caller of this request holds the permission (own, team, all), or None:
    what a read filters its query by."""
    _, matrix = current_app.extensions["kernel.web.auth"]
    return matrix.scope(current_principal(), permission)


def guarded(
    before: Callable[[Callable[..., Any], dict[str, Any]], object], permission: str, api: bool = True
) -> Callable[[F], F]:
    """A view decorator running `before(view, view_kwargs)` first; it refuses by aborting.
    For API operations the permission also goes into the OpenAPI document."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            before(view, kwargs)
            return view(*args, **kwargs)

        if api:
            document_permission(wrapper, permission)
        return wrapper  # type: ignore[return-value]

    return decorate


def require(permission: str) -> Callable[[F], F]:
    """A view decorator: check the permission before the view runs."""
    return guarded(lambda _view, _kwargs: check(permission), permission)


SECURITY_SCHEME = "bearerAuth"


def document_permission(view: Callable[..., Any], permission: str) -> None:
    """State in the OpenAPI document that the operation takes a Bearer token (optional
    where anonymous callers may use it)."""
    open_to_anonymous = "anonymous" in default_matrix().permissions[permission]
    security = [{}, {SECURITY_SCHEME: []}] if open_to_anonymous else [{SECURITY_SCHEME: []}]
    apidoc = view.__dict__.setdefault("_apidoc", {})
    apidoc.setdefault("manual_doc", {}).update({"security": security, "x-permission": permission})


def add_security_scheme(api: Any) -> None:
    """Declare the Bearer scheme in a flask-smorest Api's OpenAPI document."""
    api.spec.components.security_scheme(
        SECURITY_SCHEME, {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    )
