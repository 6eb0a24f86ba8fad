"""The tracking read model in MongoDB, kept by the event store's append hook (own
events, same transaction) and by the consumer (case events from business_desk)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pymongo.client_session import ClientSession
from pymongo.database import Database

from intake.domain import hash_token
from intake.tracking import evolve
from kernel.envelope import Envelope


class TrackingReadModel:
    def __init__(self, db: Database) -> None:
        self._collection = db["tracking"]

    def ensure_schema(self) -> None:
        self._collection.create_index("tracking_hash", unique=True)
        self._collection.create_index("reference", unique=True)
        self._collection.create_index("revoked_hashes")
        self._collection.create_index([("organisation_key", 1), ("received_on", -1)])

    def apply(self, events: Sequence[Envelope], session: ClientSession | None) -> None:
        for event in events:
            key = event.data.get("inquiry_id") or event.data.get("case_id")
            current = self._collection.find_one({"_id": key}, session=session)
            updated = evolve(current, event)
            if updated is not None:
                self._collection.replace_one({"_id": updated["_id"]}, updated, upsert=True, session=session)

    def by_token(self, token: str) -> dict[str, Any] | None:
        return self._collection.find_one({"tracking_hash": hash_token(token)})

    def revoked(self, token: str) -> bool:
        """Was this a case's tracking link before it was replaced?"""
        return self._collection.find_one({"revoked_hashes": hash_token(token)}, {"_id": 1}) is not None

    def of_organisations(self, organisation_keys: Iterable[str], limit: int = 200) -> list[dict[str, Any]]:
        """The cases of these organisations, newest first."""
        cursor = self._collection.find({"organisation_key": {"$in": sorted(organisation_keys)}})
        return list(cursor.sort([("received_on", -1), ("reference", 1)]).limit(limit))

    def by_id(self, inquiry_id: str) -> dict[str, Any] | None:
        return self._collection.find_one({"_id": inquiry_id})
