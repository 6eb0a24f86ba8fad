"""The tracking read model in MongoDB, kept by the event store's append hook (own
events, same transaction) and by the consumer (case events from business_desk)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from pymongo.client_session import ClientSession
from pymongo.database import Database

from intake.domain import INQUIRY_SUBMITTED, hash_token
from intake.tracking import evolve
from kernel.envelope import Envelope
from kernel.personal import master_key_from_env


def contact_key_from_env() -> Callable[[str], str]:
    """A keyed hash of an email address (case-insensitive), keyed from the data master key."""
    secret = hmac.new(master_key_from_env(), b"intake.contact_key", hashlib.sha256).digest()
    return lambda email: hmac.new(secret, email.strip().lower().encode(), hashlib.sha256).hexdigest()


class TrackingReadModel:
    def __init__(self, db: Database, contact_key: Callable[[str], str] | None = None) -> None:
        self._collection = db["tracking"]
        self.contact_key = contact_key or contact_key_from_env()

    def ensure_schema(self) -> None:
        self._collection.create_index("tracking_hash", unique=True)
        self._collection.create_index("reference", unique=True)
        self._collection.create_index("revoked_hashes")
        self._collection.create_index([("organisation_key", 1), ("received_on", -1)])
        self._collection.create_index("contact_key")

    def apply(self, events: Sequence[Envelope], session: ClientSession | None) -> None:
        for event in events:
            key = event.data.get("inquiry_id") or event.data.get("case_id")
            # a submitted inquiry starts its document: nothing to read first
            current = (
                None
                if event.type == INQUIRY_SUBMITTED
                else self._collection.find_one({"_id": key}, session=session)
            )
            updated = evolve(current, event, self.contact_key)
            if updated is not None:
                self._collection.replace_one({"_id": updated["_id"]}, updated, upsert=True, session=session)

    def by_token(self, token: str) -> dict[str, Any] | None:
        return self._collection.find_one({"tracking_hash": hash_token(token)})

    def revoked(self, token: str) -> bool:
        """Was this a case's tracking link before it was replaced?"""
        return self._collection.find_one({"revoked_hashes": hash_token(token)}, {"_id": 1}) is not None

    def of_organisations_or_ids(
        self, organisation_keys: Iterable[str], inquiry_ids: Iterable[str], limit: int = 200
    ) -> list[dict[str, Any]]:
        """The cases of these organisations and these cases, newest first."""
        query = {
            "$or": [
                {"organisation_key": {"$in": sorted(organisation_keys)}},
                {"_id": {"$in": sorted(inquiry_ids)}},
            ]
        }
        cursor = self._collection.find(query)
        return list(cursor.sort([("received_on", -1), ("reference", 1)]).limit(limit))

    def cases_of_contact(self, email: str, limit: int) -> list[str]:
        """The ids of the cases that name this email address as their contact, newest first."""
        return self.cases_of_contact_key(self.contact_key(email), limit)

    def cases_of_contact_key(self, key: str, limit: int) -> list[str]:
        found = self._collection.find({"contact_key": key, "personal_erased_on": None}, {"_id": 1})
        return [doc["_id"] for doc in found.sort([("received_on", -1), ("_id", 1)]).limit(limit)]

    def by_id(self, inquiry_id: str) -> dict[str, Any] | None:
        return self._collection.find_one({"_id": inquiry_id})
