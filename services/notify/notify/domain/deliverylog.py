"""The delivery log as events: every message queued, sent (a batch at a time), bounced,
and, after its last attempt, failed, which goes to the dead-letter topic for someone to
act on. Stored with notify's own event store and published by its outbox relay. No
addresses in the events: the message key, the case reference and the channel."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pymongo.client_session import ClientSession
from pymongo.database import Database

from kernel.eventsourcing.envelope import Metadata, NewEvent
from kernel.eventsourcing.mongo_store import MongoEventStore
from kernel.platform import telemetry

QUEUED, SENT, FAILED, BOUNCED = (
    "notify.message_queued",
    "notify.message_sent",
    "notify.message_failed",
    "notify.message_bounced",
)
# stream category -> topic (kernel.platform.runners.run_relay adds the prefix)
ROUTES = {
    "message": "notify.message.v1",
    "sent": "notify.message.v1",
    "bounce": "notify.message.v1",
    "undeliverable": "notify.message.v1.dlq",
}


def _key_hash(key: str) -> str:
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


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


def failed_event(mail: dict[str, Any], error: str) -> NewEvent:
    return NewEvent(
        FAILED, {**_about(mail), "attempts": mail["attempts"], "error": error[:500], "failed_at": _now()}
    )


def bounced_event(mail: dict[str, Any], reason: str) -> NewEvent:
    return NewEvent(BOUNCED, {**_about(mail), "reason": reason[:500], "bounced_at": _now()})


class DeliveryLog:
    def __init__(self, db: Database) -> None:
        self._store = MongoEventStore(db)

    def ensure_schema(self) -> None:
        self._store.ensure_schema()

    def _meta(self) -> Metadata:
        return Metadata.new(telemetry.current_traceparent())

    def queued(self, mail: dict[str, Any], session: ClientSession | None) -> None:
        """In the consumer's transaction, with the message itself."""
        self._store.append(
            f"message-{_key_hash(mail['_id'])}", 0, [queued_event(mail)], self._meta(), session
        )

    def sent(self, mails: Sequence[dict[str, Any]], session: ClientSession) -> None:
        """In the transaction that takes the messages' note that they are still to be logged."""
        if mails:
            self._store.append(f"sent-{uuid.uuid4()}", 0, sent_events(mails), self._meta(), session)

    def failed(self, mail: dict[str, Any], error: str) -> None:
        """Given up: to the dead-letter topic, with the reason."""
        event = NewEvent(
            FAILED, {**_about(mail), "attempts": mail["attempts"], "error": error[:500], "failed_at": _now()}
        )
        self._store.append(f"undeliverable-{_key_hash(mail['_id'])}", 0, [event], self._meta())

    def bounced(self, mail: dict[str, Any], reason: str) -> None:
        self._store.append(f"bounce-{uuid.uuid4()}", 0, [bounced_event(mail, reason)], self._meta())
