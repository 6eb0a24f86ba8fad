"""Whom to write to at a customer-choice provider: the contact address its application
gave (vouchers.provider_applied; a new application after a rejection or a revocation
gives the address anew). An organisation's address, in the provider's events in clear as
well, so kept in clear: no data subject's key seals it. The email about a switch away
from a provider and the one about its approval go there (their events carry no address)."""

from __future__ import annotations

from typing import Any

from pymongo.client_session import ClientSession
from pymongo.database import Database

from kernel.eventsourcing.envelope import Envelope

LEARNT_FROM = "vouchers.provider_applied"


def contact_of(event: Envelope) -> dict[str, Any]:
    """What an application tells of whom to write to at the provider."""
    d = event.data
    return {
        "_id": d["provider_id"],
        "email": d["contact_email"],
        "name": d["name"],
        "programme": d["programme"],
    }


class ProviderContacts:
    """The providers' contact addresses in the store's `provider_contacts` collection
    (readmodels.fakes.InMemoryProviderContacts: the same in memory)."""

    def __init__(self, db: Database) -> None:
        self._collection = db["provider_contacts"]

    def ensure_schema(self) -> None:
        pass  # found by _id only

    def learn(self, event: Envelope, session: ClientSession | None) -> None:
        contact = contact_of(event)
        self._collection.replace_one({"_id": contact["_id"]}, contact, upsert=True, session=session)

    def get(self, provider_id: str, session: ClientSession | None) -> dict[str, Any] | None:
        return self._collection.find_one({"_id": provider_id}, session=session)
