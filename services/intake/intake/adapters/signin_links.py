"""Signing in to My cases with a one-time link sent to a case's contact email (for
business owners without an e-ID login): the link works once, for 15 minutes. Whoever
holds it reaches the cases that name that address as their contact (intake.domain.access).

A link is `<handle>.<secret>`. The record is found by its handle (random, names nothing)
and checked with a hash of the secret keyed with the data key of the contact's newest
case (PersonalData.subject_hash); the address it was sent to is sealed with the same key.
The record is deleted when it is used, when it expires (a TTL index) and when that
subject is erased; and as its key dies with the subject, no earlier copy of it (the
store's replication log, a backup) can be opened or tested against a guess."""

from __future__ import annotations

import hmac
import re
import secrets
from datetime import datetime, timedelta
from typing import Any

from pymongo.client_session import ClientSession
from pymongo.database import Database

from intake.domain.inquiries import SIGN_IN_LINK_MINUTES
from kernel.privacy.personal import PersonalData

HANDLE = re.compile(r"[0-9a-f]{24}")


def masked(email: str) -> str:
    """anna@krogen.se -> a***@krogen.se: shown as who is signed in, not kept in full."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


class SignInLinks:
    def __init__(self, db: Database, personal: PersonalData) -> None:
        self._links = db["sign_in_links"]
        self._personal = personal

    def ensure_schema(self) -> None:
        self._links.create_index("expires_at", expireAfterSeconds=0)  # gone once expired
        self._links.create_index("subject_id")

    def issue(self, subject_id: str, email: str, now: datetime) -> str:
        handle, secret = secrets.token_hex(12), secrets.token_urlsafe(32)
        email = email.strip().lower()
        self._links.insert_one(
            {
                "_id": handle,
                "subject_id": subject_id,
                "verifier": self._personal.subject_hash(subject_id, secret),
                "sealed": self._personal.seal(subject_id, {"email": email, "shown_as": masked(email)}),
                "expires_at": now + timedelta(minutes=SIGN_IN_LINK_MINUTES),
            }
        )
        return f"{handle}.{secret}"

    def open_for(self, subject_id: str, now: datetime) -> int:
        """How many links issued for this contact still work."""
        return self._links.count_documents({"subject_id": subject_id, "expires_at": {"$gt": now}})

    def peek(self, token: str, now: datetime) -> dict[str, Any] | None:
        """The link's address and how it is shown, if it still works, leaving it unused."""
        return self._find(token, now, use=False)

    def redeem(self, token: str, now: datetime) -> dict[str, Any] | None:
        """The link's address and how it is shown, once; None if unknown, used or expired."""
        return self._find(token, now, use=True)

    def erase_subject(self, subject_id: str, session: ClientSession | None = None) -> None:
        self._links.delete_many({"subject_id": subject_id}, session=session)

    def _find(self, token: str, now: datetime, use: bool) -> dict[str, Any] | None:
        handle, _, secret = token.partition(".")
        if not HANDLE.fullmatch(handle) or not secret:
            return None
        record = self._links.find_one({"_id": handle, "expires_at": {"$gt": now}})
        if record is None:
            return None
        expected = self._personal.subject_hash(record["subject_id"], secret)
        if expected is None or not hmac.compare_digest(expected, record.get("verifier") or ""):
            return None
        if use and self._links.find_one_and_delete({"_id": handle, "verifier": expected}) is None:
            return None  # used meanwhile (a double click): once only
        return self._personal.open(record["subject_id"], record["sealed"])
