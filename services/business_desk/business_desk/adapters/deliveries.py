"""What notify sent the applicant about a case, and notify's delivery figures, asked from
notify's API with business_desk's own service token. The pages do without them when
notify is away."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from business_desk.settings import DeskSettings
from kernel.platform.service_client import ServiceClient

DeliveryLog = Callable[[str], list[dict[str, Any]] | None]


def delivery_log(settings: DeskSettings, client: ServiceClient | None = None) -> DeliveryLog:
    client = client or ServiceClient(settings, "notify")

    def for_reference(reference: str) -> list[dict[str, Any]] | None:
        """Oldest first; None when notify cannot be asked right now."""
        entries = client.get_items_or_none(
            f"{settings.notify_url}/api/v1/notifications", {"reference": reference}
        )
        return None if entries is None else sorted(entries, key=lambda e: e.get("queued_at") or "")

    return for_reference


def delivery_figures(
    settings: DeskSettings, client: ServiceClient | None = None
) -> Callable[[], dict[str, Any] | None]:
    """notify's delivery figures per channel (last 30 days) for the managers' dashboard."""
    client = client or ServiceClient(settings, "notify")
    return lambda: client.get_json_or_none(
        f"{settings.notify_url}/api/v1/notifications/figures", {"days": "30"}
    )
