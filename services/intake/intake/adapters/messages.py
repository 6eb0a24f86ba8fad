"""The messages the applicant was sent about their case (email or SMS), asked from
notify's API with intake's own service token, for the portal. The page does without
them when notify is away.

The portal shows when, how and about what, never a message's text: the receipt and the
new-link email carry the tracking link, a credential, and the portal is read by whoever
reaches the case (an e-ID session of any member of the company, an email-link session).
Only the fields in SHOWN leave this module, whatever notify answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from intake.settings import IntakeSettings
from kernel.platform.service_client import ServiceClient

MessageLog = Callable[[str], list[dict[str, Any]] | None]
SHOWN = ("channel", "subject", "status", "queued_at", "sent_at")


def shown(message: dict[str, Any]) -> dict[str, Any]:
    """What the portal shows of one message: no body, no id, nothing else notify adds."""
    return {field: message.get(field) for field in SHOWN}


def message_log(settings: IntakeSettings, client: ServiceClient | None = None) -> MessageLog:
    client = client or ServiceClient(settings, "notify")

    def messages(reference: str) -> list[dict[str, Any]] | None:
        found = client.get_items_or_none(f"{settings.notify_url}/api/v1/messages", {"reference": reference})
        return None if found is None else [shown(m) for m in found if isinstance(m, dict)]

    return messages
