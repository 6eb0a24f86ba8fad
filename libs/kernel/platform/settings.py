"""Configuration from the environment. Pointing the services at real clusters is only
a matter of these variables; nothing in the code names a local server.

`Settings` holds what every process of every service needs (store, broker, tokens,
sign-in, limits). A service's own settings (its SMTP server, its catalogue, its links)
extend it in the service's `settings.py`: a subclass with its fields, `own_env()` and
the service it is of (`of_service`, which `from_env()` reads when given no other)."""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Self

REPO_ROOT = Path(__file__).resolve().parents[3]


def env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def config_file(name: str, default: str) -> Path:
    """The file the variable `name` names; unset, `default` in the repository's config/."""
    return Path(env(name, str(REPO_ROOT / "config" / default)))


def base_url(name: str, default: str) -> str:
    """The address the variable `name` names (else `default`), without a trailing slash."""
    return env(name, default).rstrip("/")


@dataclass(frozen=True, kw_only=True)
class Settings:
    service: str
    mongodb_uri: str
    database: str
    keyvault_database: str  # the data keys of personal data, shared by the services
    kafka_bootstrap_servers: str
    kafka_api_version: tuple[int, ...] | None  # None: ask the broker (ApiVersions, Kafka 0.10+)
    topic_prefix: str
    max_request_bytes: int
    oidc_issuer: str
    oidc_audience: str  # this service's own API audience: tokens for another service are refused
    oidc_jwks_ttl_s: float  # the issuer's keys are fetched again this often (a removed key stops working)
    oidc_role_claim: str
    oidc_client_id: str
    service_client_id: str  # this service's own client, for calls to other services
    service_client_secret: str
    secret_key: str
    cookie_secure: bool
    rate_limits: dict[str, str]
    proxy_hops: int
    rate_limit_storage_uri: str
    rate_limit_database: str  # the shared counters when RATELIMIT_STORAGE_URI is a mongodb:// one
    # how long an operation waits for an unreachable store (pymongo overshoots it by up to its
    # 0.5 s heartbeat wait): a request answers 503 in about 1 s
    store_selection_timeout_ms: int = 500
    of_service: ClassVar[str | None] = None  # a service's subclass: the service's name

    @classmethod
    def from_env(cls, service: str | None = None) -> Self:
        """The settings of `service`'s processes (by default the subclass's `of_service`):
        the kernel's and the service's own."""
        service = service or cls.of_service
        if service is None:
            raise TypeError(f"{cls.__name__}.from_env() needs the service's name")
        return cls(**cls.kernel_env(service), **cls.own_env())

    @classmethod
    def own_env(cls) -> dict[str, Any]:
        """The fields a service's settings add, from the environment (a subclass's)."""
        return {}

    @classmethod
    def kernel_env(cls, service: str) -> dict[str, Any]:
        return dict(
            service=service,
            mongodb_uri=env("MONGODB_URI", "mongodb://127.0.0.1:27117/?replicaSet=secantus"),
            database=env("MONGODB_DATABASE_PREFIX", "") + service,
            keyvault_database=env("MONGODB_DATABASE_PREFIX", "") + env("KEYVAULT_DATABASE", "keyvault"),
            kafka_bootstrap_servers=env("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092"),
            kafka_api_version=_version(env("KAFKA_API_VERSION", "")),
            topic_prefix=env("KAFKA_TOPIC_PREFIX", ""),
            max_request_bytes=int(env("MAX_REQUEST_BYTES", str(64 * 1024))),
            oidc_issuer=env("OIDC_ISSUER", "http://127.0.0.1:9400").rstrip("/"),
            oidc_audience=api_audience(service),
            oidc_jwks_ttl_s=float(env("OIDC_JWKS_TTL_SECONDS", "300")),
            oidc_role_claim=env("OIDC_ROLE_CLAIM", "roles"),
            oidc_client_id=env("OIDC_CLIENT_ID", "municipal-web"),
            service_client_id=env("OIDC_SERVICE_CLIENT_ID", f"service-{service}"),
            service_client_secret=secret("SERVICE_CLIENT_SECRET", random_fallback=False),
            secret_key=secret("SECRET_KEY"),
            cookie_secure=env("COOKIE_SECURE", "1").lower() not in ("0", "false", "no"),
            rate_limits={
                "submit": env("RATE_LIMIT_SUBMIT", "20/minute;200/hour"),
                "tracking": env("RATE_LIMIT_TRACKING", "60/minute"),
                # every request of every service, per client address and per signed-in caller
                "address": env("RATE_LIMIT_ADDRESS", "600/minute"),
                "subject": env("RATE_LIMIT_SUBJECT", "300/minute"),
                "service": env("RATE_LIMIT_SERVICE", "3000/minute"),
            },
            proxy_hops=int(env("PROXY_HOPS", "0")),
            # "mongodb": count in the services' own MONGODB_URI (its credentials stay in one secret)
            rate_limit_storage_uri=_rate_limit_storage(env("RATELIMIT_STORAGE_URI", "memory://")),
            rate_limit_database=env("MONGODB_DATABASE_PREFIX", "") + "ratelimits",
            store_selection_timeout_ms=int(env("MONGODB_SERVER_SELECTION_TIMEOUT_MS", "500")),
        )

    def topic(self, name: str) -> str:
        return self.topic_prefix + name


def _version(value: str) -> tuple[int, ...] | None:
    """`0.9` -> (0, 9): a broker too old to say which protocol versions it speaks
    (before 0.10) must be named; empty: the client asks."""
    if not value:
        return None
    try:
        return tuple(int(part) for part in value.split("."))
    except ValueError:
        raise ValueError(f"KAFKA_API_VERSION must look like 0.9 or 2.8, not {value!r}") from None


def _rate_limit_storage(value: str) -> str:
    if value == "mongodb":
        return env("MONGODB_URI", "mongodb://127.0.0.1:27117/?replicaSet=secantus")
    return value


def api_audience(service: str) -> str:
    """The audience of a service's API (`<SERVICE>_API_AUDIENCE`, default
    urn:municipal:<service>): its own tokens name it, and so do the tokens another
    service fetches to call it. One audience per service: a token for one is no key
    to the others."""
    return env(f"{service.upper()}_API_AUDIENCE", f"urn:municipal:{service}")


def secret(name: str, random_fallback: bool = True) -> str:
    """A secret from the environment, or from the file `<NAME>_FILE` names (Kubernetes
    mounts). Without either, a random one: fine for one process, not for several."""
    value = os.environ.get(name)
    path = os.environ.get(f"{name}_FILE")
    if not value and path:
        value = Path(path).read_text(encoding="utf-8").strip()
    if not value and not random_fallback:
        return ""
    if not value:
        logging.getLogger(__name__).warning("%s not set: using a random one for this process", name)
        value = secrets.token_urlsafe(32)
    return value
