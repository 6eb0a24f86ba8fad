"""Whom to write to about a case or a voucher: the contact details learnt from the
events that carry them, sealed with the data subject's key. In clear only what is not
personal: the subject's id, the case's reference and type, the language and the
channel chosen."""

from __future__ import annotations

from typing import Any

from pymongo.client_session import ClientSession
from pymongo.database import Database

from kernel.personal import PersonalData

PERSONAL_FIELDS = ("email", "name", "phone", "tracking_token")


class Recipients:
    def __init__(self, db: Database, personal: PersonalData) -> None:
        self._collection = db["recipients"]
        self._personal = personal

    def ensure_schema(self) -> None:
        self._collection.create_index("subject_id")

    def remember(
        self, key: str, subject_id: str, fields: dict[str, Any], session: ClientSession | None
    ) -> None:
        """Add to what is known of the recipient (the personal fields sealed)."""
        known = self.get(key, session) or {}
        if known.get("erased"):
            return
        merged = {**known, **fields}
        personal = {f: merged[f] for f in PERSONAL_FIELDS if merged.get(f) is not None}
        clear = {k: v for k, v in merged.items() if k not in PERSONAL_FIELDS and k not in ("_id", "erased")}
        self._collection.replace_one(
            {"_id": key},
            {**clear, "subject_id": subject_id, "personal": self._personal.seal(subject_id, personal)},
            upsert=True,
            session=session,
        )

    def get(self, key: str, session: ClientSession | None) -> dict[str, Any] | None:
        """The recipient, opened; `erased: True` (and no contact details) once the
        subject's data is erased; None when nothing is known yet."""
        doc = self._collection.find_one({"_id": key}, session=session)
        if doc is None or "personal" not in doc:
            return doc  # nothing yet, or a record from before sealing (in clear until resealed)
        sealed = doc.pop("personal", None)
        opened = self._personal.open(doc["subject_id"], sealed) if isinstance(sealed, str) else None
        return {**doc, "erased": True} if opened is None else {**doc, **opened}

    def forget(self, subject_id: str, keys: list[str], session: ClientSession | None) -> None:
        """Every record of the subject, and those of its case or voucher (`keys`)."""
        self._collection.delete_many(
            {"$or": [{"subject_id": subject_id}, {"_id": {"$in": keys}}]}, session=session
        )
