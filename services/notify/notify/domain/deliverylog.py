"""The delivery log as events: every message queued, sent (a batch at a time), bounced,
and, after its last attempt, failed, which goes to the dead-letter topic for someone to
act on (stored by notify.adapters.deliverylog, published by notify's relay). No
addresses in the events: the message key, the case reference and the channel. Pure."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from kernel.eventsourcing.envelope import NewEvent

QUEUED, SENT, FAILED, BOUNCED = (
    "notify.message_queued",
    "notify.message_sent",
    "notify.message_failed",
    "notify.message_bounced",
)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _about(mail: dict[str, Any]) -> dict[str, Any]:
    return {
        "message_id": mail["_id"],
        "reference": mail["reference"],
        "channel": mail.get("channel") or "email",
        "event_type": mail["event_type"],
    }


def queued_event(mail: dict[str, Any]) -> NewEvent:
    return NewEvent(QUEUED, {**_about(mail), "queued_at": _now()})


def sent_events(mails: Sequence[dict[str, Any]]) -> list[NewEvent]:
    at = _now()
    return [
        NewEvent(SENT, {**_about(m), "attempts": m["attempts"], "sent_at": _iso(m.get("sent_at")) or at})
        for m in mails
    ]


def aware(moment: datetime) -> datetime:
    """BSON dates come back naive (UTC) unless the client is tz-aware."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else aware(moment).isoformat()


def failed_event(mail: dict[str, Any], error: str) -> NewEvent:
    return NewEvent(
        FAILED, {**_about(mail), "attempts": mail["attempts"], "error": error[:500], "failed_at": _now()}
    )


def bounced_event(mail: dict[str, Any], reason: str) -> NewEvent:
    return NewEvent(BOUNCED, {**_about(mail), "reason": reason[:500], "bounced_at": _now()})
