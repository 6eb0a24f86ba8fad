"""The tracking read model in MongoDB, kept by the event store's append hook (own
events, same transaction) and by the consumer (case events from business_desk).

At rest, what names or was written by the applicant (company, organisation number,
contact details, the description, the answers and further documents with their files'
names, the completion request, the decision's answer, delay reasons, the municipality's
documents' names and sha256) is sealed
with the contact's own data key (kernel.privacy.personal), so destroying the key makes every copy
unreadable: the document, each earlier write of it in the store's replication log, and
every backup. In clear stay the dates, statuses and two 3-hex-digit lookup buckets (of
the contact email and of the organisation number; see the README): a lookup reads the
bucket's few candidates, opens them and compares. The rest of intake sees opened
documents only."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from pymongo.client_session import ClientSession
from pymongo.collection import Collection
from pymongo.database import Database

from intake.domain.inquiries import INQUIRY_SUBMITTED
from intake.domain.tracking import evolve, link_lookup, organisation_key
from kernel.eventsourcing import consumed
from kernel.eventsourcing.consumed import Kept
from kernel.eventsourcing.envelope import Envelope
from kernel.eventsourcing.rebuild import opened
from kernel.privacy.personal import PersonalData, SubjectErased, lookup_bucket, master_key_from_env
from kernel.web.paging import Page, PageRequest, SortKey, mongo_page

SEALED = "sealed"
# My cases: newest first, the id breaking ties of one day
MY_CASES_ORDER = SortKey.of(("received_on", -1), ("_id", 1))


def _personal_values(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "company": doc.get("company"),
        "organisation_number": doc.get("organisation_number"),
        "contact_email": doc.get("contact_email"),
        "waiting_for": doc.get("waiting_for"),
        "answer": (doc.get("decision") or {}).get("answer"),
        "delays": [d.get("reason") for d in doc.get("delays", [])],
        "contact_name": doc.get("contact_name"),
        "contact_phone": doc.get("contact_phone"),
        "description": doc.get("description"),
        "answers": [[a.get("text"), a.get("files") or []] for a in doc.get("answers", [])],
        # the municipality's documents for the applicant: their names and sha256 name them
        "documents": doc.get("documents", []),
    }


class TrackingReadModel:
    def __init__(self, db: Database, personal: PersonalData, master_key: bytes | None = None) -> None:
        self._collection = db["tracking"]
        self._personal = personal
        self._master_key = master_key or master_key_from_env()

    def ensure_schema(self) -> None:
        self._collection.create_index("tracking_hash", unique=True)
        self._collection.create_index("reference", unique=True)
        self._collection.create_index("revoked_hashes")
        self._collection.create_index([("organisation_bucket", 1), ("received_on", -1)])
        self._collection.create_index("contact_bucket")

    def bucket(self, label: str, value: str) -> str:
        return lookup_bucket(self._master_key, f"intake.{label}", value)

    # -- at rest ------------------------------------------------------------------------

    def _seal(self, doc: dict[str, Any]) -> dict[str, Any]:
        values = _personal_values(doc)
        stored = {
            k: v
            for k, v in doc.items()
            if k not in values and k not in ("organisation_key", "tracking_secret")
        }
        if "tracking_secret" in doc:  # a new link: its verifier dies with the contact's key
            secret = doc["tracking_secret"]
            try:
                stored["tracking_verifier"] = (
                    self._personal.subject_hash(doc["subject_id"], secret) if secret else None
                )
            except SubjectErased:
                stored["tracking_verifier"] = None
        if doc.get("decision"):
            stored["decision"] = {k: v for k, v in doc["decision"].items() if k != "answer"}
        stored["delays"] = [{k: v for k, v in d.items() if k != "reason"} for d in doc.get("delays", [])]
        stored["answers"] = [
            {k: v for k, v in a.items() if k not in ("text", "files")} for a in doc.get("answers", [])
        ]
        email, number = values["contact_email"], values["organisation_number"]
        stored["contact_bucket"] = self.bucket("contact", email) if email else None
        stored["organisation_bucket"] = (
            self.bucket("organisation", organisation_key(number) or "") if number else None
        )
        stored[SEALED] = None
        if doc.get("personal_erased_on") is None:
            try:
                stored[SEALED] = self._personal.seal(doc["subject_id"], values)
            except SubjectErased:
                stored.update(contact_bucket=None, organisation_bucket=None)
        return stored

    def _open(self, stored: dict[str, Any] | None) -> dict[str, Any] | None:
        if stored is None:
            return None
        doc = {k: v for k, v in stored.items() if k not in (SEALED, "contact_bucket", "organisation_bucket")}
        values = (
            self._personal.open(doc["subject_id"], stored[SEALED]) if stored.get(SEALED) else None
        ) or {}
        doc.update(
            company=values.get("company"),
            organisation_number=values.get("organisation_number"),
            organisation_key=organisation_key(values.get("organisation_number")),
            contact_email=values.get("contact_email"),
            waiting_for=values.get("waiting_for"),
            contact_name=values.get("contact_name"),
            contact_phone=values.get("contact_phone"),
            description=values.get("description"),
        )
        sent = values.get("answers") or []
        doc["answers"] = [
            {**a, "text": sent[i][0] if i < len(sent) else None, "files": sent[i][1] if i < len(sent) else []}
            for i, a in enumerate(doc.get("answers", []))
        ]
        if doc.get("decision"):
            doc["decision"] = {**doc["decision"], "answer": values.get("answer")}
        # sealed since the files are; a document kept before in clear is read as it is
        doc["documents"] = values["documents"] if "documents" in values else doc.get("documents", [])
        reasons = values.get("delays") or []
        doc["delays"] = [
            {**d, "reason": reasons[i] if i < len(reasons) else None}
            for i, d in enumerate(doc.get("delays", []))
        ]
        return doc

    def _open_all(self, found: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        stored = list(found)
        self._personal.vault.prefetch(d["subject_id"] for d in stored if d.get(SEALED))
        return [doc for doc in (self._open(d) for d in stored) if doc is not None]

    # -- writes -------------------------------------------------------------------------

    def apply(
        self, events: Sequence[Envelope], session: ClientSession | None, consumed_event: bool = False
    ) -> None:
        """`consumed_event`: one of business_desk's events, from the consumer. Its place
        among the events the document applied is noted with the kept event, so a rebuild
        interleaves the case's events with intake's own exactly as they were applied."""
        for event in events:
            key = event.data.get("inquiry_id") or event.data.get("case_id")
            # a submitted inquiry starts its document: nothing to read first
            current = (
                None
                if event.type == INQUIRY_SUBMITTED
                else self._open(self._collection.find_one({"_id": key}, session=session))
            )
            if consumed_event:
                consumed.note(tracking_index=len(current["applied"]) if current else 0)
            updated = evolve(current, event)
            if updated is not None:
                self._collection.replace_one(
                    {"_id": updated["_id"]}, self._seal(updated), upsert=True, session=session
                )

    def fold(self, own: Sequence[Envelope], kept: Sequence[Kept]) -> dict[str, Any] | None:
        """One case's document as stored, from its own events and the kept case events, in
        the order the incremental path applied them; each step starts from the stored
        document opened again, as `apply` does."""
        stored: dict[str, Any] | None = None
        applied = 0

        def step(event: Envelope) -> None:
            nonlocal stored, applied
            current = None if event.type == INQUIRY_SUBMITTED else self._open(stored)
            updated = evolve(current, event)
            if updated is not None:
                stored = self._seal(updated)
                applied = len(updated["applied"])

        pending = list(own)
        for item in sorted(kept, key=lambda k: (k.notes.get("tracking_index", 0), k.envelope.version)):
            while pending and applied < item.notes.get("tracking_index", 0):
                step(pending.pop(0))
            step(item.envelope)
        for event in pending:
            step(event)
        return stored

    def comparable(self, stored: dict[str, Any]) -> dict[str, Any]:
        return opened(stored, self._personal, (SEALED,))

    @property
    def collection(self) -> Collection:
        return self._collection

    # -- reads --------------------------------------------------------------------------

    def by_token(self, token: str) -> dict[str, Any] | None:
        lookup, secret = link_lookup(token)
        stored = self._collection.find_one({"tracking_hash": lookup})
        if stored is not None and secret is not None:
            expected = self._personal.subject_hash(stored["subject_id"], secret)
            if expected is None or not hmac.compare_digest(expected, stored.get("tracking_verifier") or ""):
                return None
        return self._open(stored)

    def revoked(self, token: str) -> bool:
        """Was this a case's tracking link before it was replaced?"""
        lookup, _ = link_lookup(token)
        return self._collection.find_one({"revoked_hashes": lookup}, {"_id": 1}) is not None

    def of_organisations_or_ids(
        self,
        organisation_keys: Iterable[str],
        inquiry_ids: Iterable[str],
        page: PageRequest,
        reaches: Callable[[dict[str, Any]], bool] = lambda doc: True,
    ) -> Page[dict[str, Any]]:
        """One page of the cases of these organisations and these cases that `reaches`
        lets through, newest first (MY_CASES_ORDER)."""
        organisations = set(organisation_keys)
        ids = set(inquiry_ids)
        query = {
            "$or": [
                {
                    "organisation_bucket": {
                        "$in": sorted({self.bucket("organisation", o) for o in organisations})
                    }
                },
                {"_id": {"$in": sorted(ids)}},
            ]
        }

        def kept(doc: dict[str, Any]) -> bool:  # a bucket is shared by chance: the opened value decides
            return (doc["_id"] in ids or doc.get("organisation_key") in organisations) and reaches(doc)

        return mongo_page(self._collection, query, MY_CASES_ORDER, page, opened=self._open_all, keep=kept)

    def cases_of_contact(self, email: str, limit: int) -> list[str]:
        """The ids of the cases that name this email address as their contact, newest first."""
        wanted = email.strip().lower()
        found = self._collection.find(
            {"contact_bucket": self.bucket("contact", wanted), "personal_erased_on": None}
        )
        opened = self._open_all(found.sort([("received_on", -1), ("_id", 1)]))
        return [d["_id"] for d in opened if (d.get("contact_email") or "").strip().lower() == wanted][:limit]

    def by_id(self, inquiry_id: str) -> dict[str, Any] | None:
        return self._open(self._collection.find_one({"_id": inquiry_id}))
