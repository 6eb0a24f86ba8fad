"""The delivery log's events (notify.domain.deliverylog) appended to notify's own event
store, one stream per message (queued, undeliverable) or per round (sent, bounce); the
relay publishes them (notify.service: routes)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from pymongo.client_session import ClientSession
from pymongo.database import Database

from kernel.eventsourcing.envelope import Metadata
from kernel.eventsourcing.mongo_store import MongoEventStore
from kernel.platform import telemetry
from notify.domain.deliverylog import bounced_event, failed_event, key_hash, queued_event, sent_events


class DeliveryLog:
    def __init__(self, db: Database) -> None:
        self._store = MongoEventStore(db)

    def ensure_schema(self) -> None:
        self._store.ensure_schema()

    def _meta(self) -> Metadata:
        return Metadata.new(telemetry.current_traceparent())

    def queued(self, mail: dict[str, Any], session: ClientSession | None) -> None:
        """In the consumer's transaction, with the message itself."""
        self._store.append(f"message-{key_hash(mail['_id'])}", 0, [queued_event(mail)], self._meta(), session)

    def sent(self, mails: Sequence[dict[str, Any]], session: ClientSession) -> None:
        """In the transaction that takes the messages' note that they are still to be logged."""
        if mails:
            self._store.append(f"sent-{uuid.uuid4()}", 0, sent_events(mails), self._meta(), session)

    def failed(self, mail: dict[str, Any], error: str) -> None:
        """Given up: to the dead-letter topic, with the reason."""
        event = failed_event(mail, error)
        self._store.append(f"undeliverable-{key_hash(mail['_id'])}", 0, [event], self._meta())

    def bounced(self, mail: dict[str, Any], reason: str) -> None:
        self._store.append(f"bounce-{uuid.uuid4()}", 0, [bounced_event(mail, reason)], self._meta())
