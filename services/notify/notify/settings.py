"""notify's own settings, on the kernel's (kernel.platform.settings)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kernel.platform.settings import Settings, base_url, config_file, env, secret


@dataclass(frozen=True, kw_only=True)
class NotifySettings(Settings):
    smtp_host: str
    smtp_port: int
    smtp_starttls: bool
    smtp_username: str
    smtp_password: str
    sms_gateway_url: str  # an HTTP SMS gateway (POST JSON); empty: no SMS, email instead
    sms_gateway_token: str
    sms_sender: str
    mail_from: str
    case_types_file: Path  # the deployment's country: the emails' language
    voucher_programmes_file: Path  # the programmes' names in the citizens' and providers' emails
    intake_public_url: str  # the links in the applicants' emails
    desk_public_url: str  # business_desk's pages, linked from the staff's emails
    vouchers_public_url: str  # the vouchers pages, linked from citizens' and providers' emails

    of_service = "notify"

    @classmethod
    def own_env(cls) -> dict[str, Any]:
        return {
            "smtp_host": env("SMTP_HOST", "127.0.0.1"),
            "smtp_port": int(env("SMTP_PORT", "2525")),
            "smtp_starttls": env("SMTP_STARTTLS", "0").lower() in ("1", "true", "yes"),
            "smtp_username": env("SMTP_USERNAME", ""),
            "smtp_password": secret("SMTP_PASSWORD", random_fallback=False),
            "sms_gateway_url": env("SMS_GATEWAY_URL", "").rstrip("/"),
            "sms_gateway_token": secret("SMS_GATEWAY_TOKEN", random_fallback=False),
            "sms_sender": env("SMS_SENDER", "Kommunen"),
            "mail_from": env("MAIL_FROM", "no-reply@kommun.example"),
            "case_types_file": config_file("CASE_TYPES_FILE", "case_types.yaml"),
            "voucher_programmes_file": config_file("VOUCHER_PROGRAMMES_FILE", "voucher_programmes.yaml"),
            "intake_public_url": base_url("INTAKE_PUBLIC_URL", "http://127.0.0.1:8001"),
            "desk_public_url": base_url("DESK_PUBLIC_URL", "http://127.0.0.1:8002"),
            "vouchers_public_url": base_url("VOUCHERS_PUBLIC_URL", "http://127.0.0.1:8004"),
        }
