"""SMS through an HTTP gateway: the adapter POSTs JSON `{"from", "to", "message",
"reference"}` to SMS_GATEWAY_URL with a Bearer token (SMS_GATEWAY_TOKEN). Most SMS
providers' APIs take that shape or a small variation; swap the adapter for another."""

from __future__ import annotations

import requests

from kernel.settings import Settings


class SmsRejected(Exception):
    """The gateway refused the message for good (a bad number, say): do not retry."""


class SmsGateway:
    def __init__(self, settings: Settings, timeout_s: float = 10.0) -> None:
        self._settings = settings
        self._timeout_s = timeout_s

    @property
    def configured(self) -> bool:
        return bool(self._settings.sms_gateway_url)

    def send(self, to: str, message: str, reference: str) -> None:
        """Raises SmsRejected for a refusal (4xx), OSError-like errors to retry (network, 5xx)."""
        headers = (
            {"Authorization": f"Bearer {self._settings.sms_gateway_token}"}
            if self._settings.sms_gateway_token
            else {}
        )
        body = {"from": self._settings.sms_sender, "to": to, "message": message, "reference": reference}
        response = requests.post(
            self._settings.sms_gateway_url, json=body, headers=headers, timeout=self._timeout_s
        )
        if 400 <= response.status_code < 500 and response.status_code not in (408, 429):
            raise SmsRejected(f"{response.status_code} {response.text[:200]}")
        if response.status_code >= 300:
            raise ConnectionError(f"SMS gateway answered {response.status_code}")


def sms_text(subject: str, link: str | None) -> str:
    """The SMS: the email's subject, and the link to the case."""
    return f"{subject}\n{link}" if link else subject
