"""Signing in to My cases with a one-time link sent to a case's contact email (for
business owners without an e-ID login): the link works once, for 15 minutes, and only
its hash is stored. Whoever holds it sees the cases of the organisations whose cases
name that address as their contact."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from pymongo import ReturnDocument
from pymongo.database import Database

from intake.domain import SIGN_IN_LINK_MINUTES, hash_token


def masked(email: str) -> str:
    """anna@krogen.se -> a***@krogen.se: shown as who is signed in, not kept in full."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


class SignInLinks:
    def __init__(self, db: Database) -> None:
        self._links = db["sign_in_links"]

    def ensure_schema(self) -> None:
        self._links.create_index("expires_at", expireAfterSeconds=24 * 3600)  # tidy; validity is checked

    def issue(self, contact_key: str, email: str, now: datetime) -> str:
        token = secrets.token_urlsafe(32)
        self._links.insert_one(
            {
                "_id": hash_token(token),
                "contact_key": contact_key,
                "shown_as": masked(email.strip().lower()),
                "expires_at": now + timedelta(minutes=SIGN_IN_LINK_MINUTES),
                "used": False,
            }
        )
        return token

    def peek(self, token: str, now: datetime) -> dict[str, Any] | None:
        """The link's record if it still works, leaving it unused."""
        return self._links.find_one({"_id": hash_token(token), "used": False, "expires_at": {"$gt": now}})

    def redeem(self, token: str, now: datetime) -> dict[str, Any] | None:
        """The link's record, once; None if unknown, used or expired."""
        return self._links.find_one_and_update(
            {"_id": hash_token(token), "used": False, "expires_at": {"$gt": now}},
            {"$set": {"used": True, "used_at": now}},
            return_document=ReturnDocument.AFTER,
        )
