"""The messages the applicant was sent about their case (email or SMS), asked from
notify's API with intake's own service token, for the portal. The page does without
them when notify is away."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kernel.service_client import ServiceClient
from kernel.settings import Settings

MessageLog = Callable[[str], list[dict[str, Any]] | None]


def message_log(settings: Settings, client: ServiceClient | None = None) -> MessageLog:
    client = client or ServiceClient(settings)
    return lambda reference: client.get_json_or_none(
        f"{settings.notify_url}/api/v1/messages", {"reference": reference}
    )
