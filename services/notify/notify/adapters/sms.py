"""SMS through an HTTP gateway: the adapter POSTs JSON `{"from", "to", "message",
"reference"}` to SMS_GATEWAY_URL with a Bearer token (SMS_GATEWAY_TOKEN). Most SMS
providers' APIs take that shape or a small variation; swap the adapter for another."""

from __future__ import annotations

import requests

from kernel.platform.dependencies import SMS_GATEWAY, TRACKER, DependencyUnavailable, reason_of
from notify.settings import NotifySettings


class SmsRejected(Exception):
    """The gateway refused the message for good (a bad number, say): do not retry."""


class SmsGateway:
    def __init__(self, settings: NotifySettings, timeout_s: float = 10.0) -> None:
        self._settings = settings
        self._timeout_s = timeout_s

    @property
    def configured(self) -> bool:
        return bool(self._settings.sms_gateway_url)

    def send(self, to: str, message: str, reference: str) -> None:
        """Raises SmsRejected for a refusal (4xx), DependencyUnavailable while the gateway is
        away (network, 429, 502-504), ConnectionError for another 5xx (this text tried later)."""
        headers = (
            {"Authorization": f"Bearer {self._settings.sms_gateway_token}"}
            if self._settings.sms_gateway_token
            else {}
        )
        body = {"from": self._settings.sms_sender, "to": to, "message": message, "reference": reference}
        try:
            response = requests.post(
                self._settings.sms_gateway_url, json=body, headers=headers, timeout=self._timeout_s
            )
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise DependencyUnavailable(SMS_GATEWAY, reason_of(exc), probe=self.probe) from exc
        if response.status_code in GATEWAY_AWAY:
            raise DependencyUnavailable(SMS_GATEWAY, f"it answered {response.status_code}", probe=self.probe)
        TRACKER.back(SMS_GATEWAY)
        if 400 <= response.status_code < 500 and response.status_code != 408:
            raise SmsRejected(f"{response.status_code} {response.text[:200]}")
        if response.status_code >= 300:
            raise ConnectionError(f"SMS gateway answered {response.status_code}")

    def probe(self) -> None:
        """Raises while the gateway cannot be reached or says it is unavailable."""
        try:
            response = requests.head(self._settings.sms_gateway_url, timeout=2)
        except requests.RequestException as exc:
            raise DependencyUnavailable(SMS_GATEWAY, reason_of(exc)) from exc
        if response.status_code in GATEWAY_AWAY:
            raise DependencyUnavailable(SMS_GATEWAY, f"it answered {response.status_code}")


# the gateway (or the proxy before it) is away or overloaded: not this message's fault
GATEWAY_AWAY = frozenset({429, 502, 503, 504})
