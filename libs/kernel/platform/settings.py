"""Configuration from the environment. Pointing the services at real clusters is only
a matter of these variables; nothing in the code names a local server."""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
SERVICES = ("intake", "business_desk", "notify", "vouchers")


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


@dataclass(frozen=True)
class Settings:
    service: str
    mongodb_uri: str
    database: str
    keyvault_database: str  # the data keys of personal data, shared by the services
    kafka_bootstrap_servers: str
    kafka_api_version: tuple[int, ...] | None  # None: ask the broker (ApiVersions, Kafka 0.10+)
    topic_prefix: str
    smtp_host: str
    smtp_port: int
    smtp_starttls: bool
    smtp_username: str
    smtp_password: str
    sms_gateway_url: str  # an HTTP SMS gateway (POST JSON); empty: no SMS, email instead
    sms_gateway_token: str
    sms_sender: str
    mail_from: str
    case_types_file: Path
    voucher_programmes_file: Path
    intake_public_url: str
    desk_public_url: str  # business_desk's pages, linked from the staff's emails
    vouchers_public_url: str  # the vouchers pages, linked from citizens' and providers' emails
    tracking_link_days: int  # a tracking link stops working this long after the decision
    retention_days: int  # personal data is erased this long after a case's decision or a voucher's last day
    max_request_bytes: int
    attachment_max_bytes: int  # one file an applicant attaches to an answer
    virus_scan_command: str  # reads a file on stdin, exits 0 clean / 1 infected; empty: no scan
    oidc_issuer: str
    oidc_audience: str  # this service's own API audience: tokens for another service are refused
    oidc_jwks_ttl_s: float  # the issuer's keys are fetched again this often (a removed key stops working)
    oidc_role_claim: str
    oidc_client_id: str
    service_client_id: str  # this service's own client, for calls to other services
    service_client_secret: str
    notify_url: str
    desk_url: str  # business_desk's API, for the services' own calls (e.g. intake's live figures)
    intake_url: str  # intake's API, for the services' own calls (e.g. the applicant's attachments)
    secret_key: str
    cookie_secure: bool
    rate_limits: dict[str, str]
    proxy_hops: int
    rate_limit_storage_uri: str
    rate_limit_database: str  # the shared counters when RATELIMIT_STORAGE_URI is a mongodb:// one
    # how long an operation waits for an unreachable store (pymongo overshoots it by up to its
    # 0.5 s heartbeat wait): a request answers 503 in about 1 s
    store_selection_timeout_ms: int = 500

    @classmethod
    def from_env(cls, service: str) -> Settings:
        return cls(
            service=service,
            mongodb_uri=_env("MONGODB_URI", "mongodb://127.0.0.1:27117/?replicaSet=secantus"),
            database=_env("MONGODB_DATABASE_PREFIX", "") + service,
            keyvault_database=_env("MONGODB_DATABASE_PREFIX", "") + _env("KEYVAULT_DATABASE", "keyvault"),
            kafka_bootstrap_servers=_env("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092"),
            kafka_api_version=_version(_env("KAFKA_API_VERSION", "")),
            topic_prefix=_env("KAFKA_TOPIC_PREFIX", ""),
            smtp_host=_env("SMTP_HOST", "127.0.0.1"),
            smtp_port=int(_env("SMTP_PORT", "2525")),
            smtp_starttls=_env("SMTP_STARTTLS", "0").lower() in ("1", "true", "yes"),
            smtp_username=_env("SMTP_USERNAME", ""),
            smtp_password=_secret("SMTP_PASSWORD", random_fallback=False),
            sms_gateway_url=_env("SMS_GATEWAY_URL", "").rstrip("/"),
            sms_gateway_token=_secret("SMS_GATEWAY_TOKEN", random_fallback=False),
            sms_sender=_env("SMS_SENDER", "Kommunen"),
            mail_from=_env("MAIL_FROM", "no-reply@kommun.example"),
            case_types_file=Path(_env("CASE_TYPES_FILE", str(REPO_ROOT / "config" / "case_types.yaml"))),
            voucher_programmes_file=Path(
                _env("VOUCHER_PROGRAMMES_FILE", str(REPO_ROOT / "config" / "voucher_programmes.yaml"))
            ),
            intake_public_url=_env("INTAKE_PUBLIC_URL", "http://127.0.0.1:8001").rstrip("/"),
            desk_public_url=_env("DESK_PUBLIC_URL", "http://127.0.0.1:8002").rstrip("/"),
            vouchers_public_url=_env("VOUCHERS_PUBLIC_URL", "http://127.0.0.1:8004").rstrip("/"),
            tracking_link_days=int(_env("TRACKING_LINK_DAYS", "90")),
            retention_days=int(_env("RETENTION_DAYS", "730")),
            max_request_bytes=int(_env("MAX_REQUEST_BYTES", str(64 * 1024))),
            attachment_max_bytes=int(_env("ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024))),
            virus_scan_command=_env("VIRUS_SCAN_COMMAND", ""),
            oidc_issuer=_env("OIDC_ISSUER", "http://127.0.0.1:9400").rstrip("/"),
            oidc_audience=api_audience(service),
            oidc_jwks_ttl_s=float(_env("OIDC_JWKS_TTL_SECONDS", "300")),
            oidc_role_claim=_env("OIDC_ROLE_CLAIM", "roles"),
            oidc_client_id=_env("OIDC_CLIENT_ID", "municipal-web"),
            service_client_id=_env("OIDC_SERVICE_CLIENT_ID", f"service-{service}"),
            service_client_secret=_secret("SERVICE_CLIENT_SECRET", random_fallback=False),
            notify_url=_env("NOTIFY_URL", "http://127.0.0.1:8003").rstrip("/"),
            desk_url=_env("DESK_URL", "http://127.0.0.1:8002").rstrip("/"),
            intake_url=_env("INTAKE_URL", "http://127.0.0.1:8001").rstrip("/"),
            secret_key=_secret("SECRET_KEY"),
            cookie_secure=_env("COOKIE_SECURE", "1").lower() not in ("0", "false", "no"),
            rate_limits={
                "submit": _env("RATE_LIMIT_SUBMIT", "20/minute;200/hour"),
                "tracking": _env("RATE_LIMIT_TRACKING", "60/minute"),
                # every request of every service, per client address and per signed-in caller
                "address": _env("RATE_LIMIT_ADDRESS", "600/minute"),
                "subject": _env("RATE_LIMIT_SUBJECT", "300/minute"),
                "service": _env("RATE_LIMIT_SERVICE", "3000/minute"),
            },
            proxy_hops=int(_env("PROXY_HOPS", "0")),
            # "mongodb": count in the services' own MONGODB_URI (its credentials stay in one secret)
            rate_limit_storage_uri=_rate_limit_storage(_env("RATELIMIT_STORAGE_URI", "memory://")),
            rate_limit_database=_env("MONGODB_DATABASE_PREFIX", "") + "ratelimits",
            store_selection_timeout_ms=int(_env("MONGODB_SERVER_SELECTION_TIMEOUT_MS", "500")),
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
        return _env("MONGODB_URI", "mongodb://127.0.0.1:27117/?replicaSet=secantus")
    return value


def api_audience(service: str) -> str:
    """The audience of a service's API (`<SERVICE>_API_AUDIENCE`, default
    urn:municipal:<service>): its own tokens name it, and so do the tokens another
    service fetches to call it. One audience per service: a token for one is no key
    to the others."""
    return _env(f"{service.upper()}_API_AUDIENCE", f"urn:municipal:{service}")


def _secret(name: str, random_fallback: bool = True) -> str:
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
