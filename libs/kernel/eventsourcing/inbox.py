"""The inbox: which messages a consumer group has processed, so a redelivered message
changes nothing. On MongoDB its mark commits in the same transaction as the handler's
effects (and keeps the consumed event, kernel.eventsourcing.consumed); in memory for unit tests."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Protocol

from pymongo.client_session import ClientSession
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from kernel.eventsourcing import consumed
from kernel.eventsourcing.transactions import run_in_transaction

log = logging.getLogger(__name__)

Effect = Callable[[ClientSession | None], None]


class Inbox(Protocol):
    def process_once(self, event_id: str, effect: Effect) -> bool:
        """Run the effect unless this event was processed before. Returns whether it ran."""

    def process_all(self, items: Sequence[tuple[str, Effect]]) -> int:
        """Run each effect whose event was not processed before, as one unit: all of
        them and their processed records commit, or none does. Returns how many ran."""


class MongoInbox:
    def __init__(self, db: Database, consumer: str) -> None:
        self._db = db
        self._processed = db["processed_messages"]
        self._consumer = consumer

    def process_once(self, event_id, effect):
        key = f"{self._consumer}:{event_id}"

        def transaction(session: ClientSession) -> bool:
            if self._processed.find_one({"_id": key}, {"_id": 1}, session=session):
                return False
            with consumed.recording() as kept:
                effect(session)
            self._processed.insert_one(
                {"_id": key, "at": datetime.now(UTC), **kept.fields()}, session=session
            )
            return True

        try:
            return run_in_transaction(self._db.client, transaction)
        except DuplicateKeyError:
            return False  # processed concurrently by another member of the group

    def process_all(self, items):
        def transaction(session: ClientSession) -> int:
            keys = [f"{self._consumer}:{event_id}" for event_id, _ in items]
            seen = self._processed.find({"_id": {"$in": keys}}, {"_id": 1}, session=session)
            done = {d["_id"] for d in seen}
            records = []
            for key, (_, effect) in zip(keys, items, strict=True):
                if key in done:
                    continue
                done.add(key)
                with consumed.recording() as kept:
                    effect(session)
                records.append({"_id": key, "at": datetime.now(UTC), **kept.fields()})
            if records:
                self._processed.insert_many(records, session=session)
            return len(records)

        return run_in_transaction(self._db.client, transaction)


class InMemoryInbox:
    def __init__(self) -> None:
        self.processed: set[str] = set()

    def process_once(self, event_id, effect):
        if event_id in self.processed:
            return False
        effect(None)
        self.processed.add(event_id)
        return True

    def process_all(self, items):
        # as one unit, like the store's transaction: none is recorded if one effect fails
        ran: set[str] = set()
        for event_id, effect in items:
            if event_id not in self.processed and event_id not in ran:
                effect(None)
                ran.add(event_id)
        self.processed |= ran
        return len(ran)
