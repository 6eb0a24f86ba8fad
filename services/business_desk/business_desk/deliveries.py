"""What notify sent the applicant about a case, asked from notify's API with
business_desk's own service token. The case page does without it when notify is away."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError

from kernel.service_client import ServiceClient
from kernel.settings import Settings

log = logging.getLogger(__name__)
DeliveryLog = Callable[[str], list[dict[str, Any]] | None]


def delivery_log(settings: Settings, client: ServiceClient | None = None) -> DeliveryLog:
    client = client or ServiceClient(settings)

    def for_reference(reference: str) -> list[dict[str, Any]] | None:
        """Oldest first; None when notify cannot be asked right now."""
        try:
            entries = client.get_json(f"{settings.notify_url}/api/v1/notifications", {"reference": reference})
        except (requests.RequestException, AuthlibBaseError, ValueError, KeyError) as exc:
            log.warning("delivery log for %s unavailable: %r", reference, exc)
            return None
        return sorted(entries, key=lambda e: e.get("queued_at") or "")

    return for_reference


def delivery_figures(
    settings: Settings, client: ServiceClient | None = None
) -> Callable[[], dict[str, Any] | None]:
    """notify's delivery figures per channel (last 30 days) for the managers' dashboard;
    None when notify cannot be asked right now."""
    client = client or ServiceClient(settings)

    def figures() -> dict[str, Any] | None:
        try:
            return dict(
                client.get_json(f"{settings.notify_url}/api/v1/notifications/figures", {"days": "30"})
            )
        except (requests.RequestException, AuthlibBaseError, ValueError, KeyError) as exc:
            log.warning("delivery figures unavailable: %r", exc)
            return None

    return figures
