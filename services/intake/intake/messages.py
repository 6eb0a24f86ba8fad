"""The messages the applicant was sent about their case (email or SMS), asked from
notify's API with intake's own service token, for the portal. The page does without
them when notify is away."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError

from kernel.service_client import ServiceClient
from kernel.settings import Settings

log = logging.getLogger(__name__)
MessageLog = Callable[[str], list[dict[str, Any]] | None]


def message_log(settings: Settings, client: ServiceClient | None = None) -> MessageLog:
    client = client or ServiceClient(settings)

    def for_reference(reference: str) -> list[dict[str, Any]] | None:
        try:
            return list(client.get_json(f"{settings.notify_url}/api/v1/messages", {"reference": reference}))
        except (requests.RequestException, AuthlibBaseError, ValueError, KeyError) as exc:
            log.warning("messages for %s unavailable: %r", reference, exc)
            return None

    return for_reference
