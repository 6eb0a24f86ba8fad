"""Whom to write to about a case or a voucher: the contact details learnt from the
events that carry them, sealed with the data subject's key. In clear only what is not
personal: the subject's id, the case's reference and type, the language and the
channel chosen."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pymongo.client_session import ClientSession
from pymongo.collection import Collection
from pymongo.database import Database

from kernel.eventsourcing.envelope import Envelope
from kernel.privacy.personal import ERASURE_EVENT_SUFFIX, PersonalData

PERSONAL_FIELDS = ("email", "name", "phone", "tracking_token")


class Recipients:
    """The recipients in the store's `recipients` collection (readmodels.fakes.InMemoryRecipients: the
    same in memory, for unit tests)."""

    def __init__(self, db: Database, personal: PersonalData) -> None:
        self._collection = db["recipients"]
        self._personal = personal

    def ensure_schema(self) -> None:
        self._collection.create_index("subject_id")

    @property
    def collection(self) -> Collection:
        return self._collection

    def _find(self, key: str, session: ClientSession | None) -> dict[str, Any] | None:
        return self._collection.find_one({"_id": key}, session=session)

    def _replace(self, key: str, doc: dict[str, Any], session: ClientSession | None) -> None:
        self._collection.replace_one({"_id": key}, doc, upsert=True, session=session)

    def _delete(self, subject_id: str, keys: list[str], session: ClientSession | None) -> None:
        either = [{"subject_id": subject_id}, {"_id": {"$in": keys}}]
        self._collection.delete_many({"$or": either}, session=session)

    def learn(self, event: Envelope, session: ClientSession | None) -> None:
        """What the event teaches of its recipient (kept or forgotten)."""
        change = learnt_from(event)
        if isinstance(change, Forgotten):
            self.forget(change.subject_id, change.keys, session)
        elif change is not None:
            if change.only_if_known and self.get(change.key, session) is None:
                raise LookupError(f"no contact details yet for {change.key}")
            self.remember(change.key, change.subject_id, change.fields, session)

    def remember(
        self, key: str, subject_id: str, fields: dict[str, Any], session: ClientSession | None
    ) -> None:
        """Add to what is known of the recipient (the personal fields sealed)."""
        stored = self._find(key, session)
        known = self._opened_record(stored) or {}
        if known.get("erased"):
            return
        sealed = stored is not None and "personal" in stored  # not a record from before sealing
        if sealed and known.get("subject_id") == subject_id and {**known, **fields} == known:
            return  # nothing new (the case opened from the inquiry learnt already): no write
        self._replace(key, self.stored(known, subject_id, fields), session)

    def stored(self, known: dict[str, Any], subject_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        """The record as stored once `fields` are added to what is `known` (opened)."""
        merged = {**known, **fields}
        personal = {f: merged[f] for f in PERSONAL_FIELDS if merged.get(f) is not None}
        clear = {k: v for k, v in merged.items() if k not in PERSONAL_FIELDS and k not in ("_id", "erased")}
        key = {"_id": known["_id"]} if "_id" in known else {}
        return {
            **key,
            **clear,
            "subject_id": subject_id,
            "personal": self._personal.seal(subject_id, personal),
        }

    def fold(self, events: Iterable[Envelope]) -> dict[str, dict[str, Any]]:
        """The records one subject's events leave (a rebuild), as stored: the same steps as
        `learn`, on records held in memory; an erasure counts last (it is final)."""
        known: dict[str, dict[str, Any]] = {}
        forgotten: list[Forgotten] = []
        for event in events:
            change = learnt_from(event)
            if isinstance(change, Forgotten):
                forgotten.append(change)
            elif change is not None and (not change.only_if_known or change.key in known):
                before = known.get(change.key, {"_id": change.key})
                known[change.key] = self._opened(self.stored(before, change.subject_id, change.fields))
        for change in forgotten:
            known = {
                k: v
                for k, v in known.items()
                if v["subject_id"] != change.subject_id and k not in change.keys
            }
        return {k: self.stored(v, v["subject_id"], {}) for k, v in known.items()}

    def _opened(self, doc: dict[str, Any]) -> dict[str, Any]:
        sealed = doc.pop("personal", None)
        opened = self._personal.open(doc["subject_id"], sealed) if isinstance(sealed, str) else None
        return {**doc, **(opened or {})}

    def get(self, key: str, session: ClientSession | None) -> dict[str, Any] | None:
        """The recipient, opened; `erased: True` (and no contact details) once the
        subject's data is erased; None when nothing is known yet."""
        return self._opened_record(self._find(key, session))

    def _opened_record(self, doc: dict[str, Any] | None) -> dict[str, Any] | None:
        if doc is None or "personal" not in doc:
            return doc  # nothing yet, or a record from before sealing (in clear until resealed)
        doc = dict(doc)
        sealed = doc.pop("personal", None)
        opened = self._personal.open(doc["subject_id"], sealed) if isinstance(sealed, str) else None
        return {**doc, "erased": True} if opened is None else {**doc, **opened}

    def forget(self, subject_id: str, keys: list[str], session: ClientSession | None) -> None:
        """Every record of the subject, and those of its case or voucher (`keys`)."""
        self._delete(subject_id, keys, session)


@dataclass(frozen=True)
class Learnt:
    key: str
    subject_id: str
    fields: dict[str, Any]
    only_if_known: bool = False  # a new link for a recipient known already


@dataclass(frozen=True)
class Forgotten:
    subject_id: str
    keys: list[str]  # the case or voucher the erasure is about


def _contact_fields(data: dict[str, Any]) -> dict[str, Any]:
    contact = data["personal"]["contact"]
    return {
        "email": contact["email"],
        "name": contact["name"],
        "phone": contact.get("phone"),
        "language": data["language"],
        "reference": data["reference"],
        "case_type": data["case_type"],
    }


def learnt_from(event: Envelope) -> Learnt | Forgotten | None:
    """What an event tells of whom to write to: the contact details it carries, or that
    its subject was erased. Nothing from an event whose personal data is erased."""
    data = event.data
    if event.type.endswith(ERASURE_EVENT_SUFFIX):
        keys = [data[k] for k in ("case_id", "inquiry_id") if k in data]
        keys += [f"voucher:{data['voucher_id']}"] if "voucher_id" in data else []
        return Forgotten(data["subject_id"], keys)
    personal = data.get("personal")
    if personal is None:
        return None
    subject_id = data["subject_id"]
    if event.type == "intake.inquiry_submitted":
        fields = {
            **_contact_fields(data),
            "tracking_token": personal["tracking_token"],
            "notify_by": data.get("notify_by", "email"),
        }
        return Learnt(data["inquiry_id"], subject_id, fields)
    if event.type == "business_desk.case_opened":
        return Learnt(data["case_id"], subject_id, _contact_fields(data))
    if event.type == "intake.tracking_link_replaced":
        return Learnt(data["inquiry_id"], subject_id, {"tracking_token": personal["tracking_token"]}, True)
    if event.type == "vouchers.voucher_granted":
        citizen = {"email": personal["email"], "language": data["language"], "subject_id": subject_id}
        return Learnt(f"voucher:{data['voucher_id']}", subject_id, citizen)
    return None
