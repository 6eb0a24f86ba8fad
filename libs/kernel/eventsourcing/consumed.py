"""What a consumer keeps of what it consumed: every message it took effect on, as it
arrived (personal data sealed, as on the topic), in the same record and the same
transaction as the mark that it was processed (`processed_messages`), so no extra store
command. A read model fed by another service's events is rebuilt from these records
(see `kernel.eventsourcing.rebuild`): the broker keeps a topic for days, the records live as long as
the case. Erasing a subject destroys its key, so its kept copies can no longer be
opened, like every other copy.

A read model whose result depends on how consumed events interleave with the service's
own can `note()` where the event went (e.g. its index among the events a document has
applied): the note is written with the kept record, in the same transaction."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from pymongo import ASCENDING
from pymongo.client_session import ClientSession
from pymongo.database import Database

from kernel.eventsourcing.envelope import Envelope
from kernel.platform.settings import Settings
from kernel.privacy.personal import PersonalData

COLLECTION = "processed_messages"
EVENT, NOTES = "event", "notes"


@dataclass
class Record:
    """What the inbox writes with a processed message, gathered while its effect runs."""

    event: dict[str, Any] | None = None
    notes: dict[str, Any] = field(default_factory=dict)

    def fields(self) -> dict[str, Any]:
        if self.event is None:
            return {}
        return {EVENT: self.event, NOTES: self.notes} if self.notes else {EVENT: self.event}


_current: ContextVar[Record | None] = ContextVar("kernel_consumed_record", default=None)


@contextmanager
def recording() -> Iterator[Record]:
    """Around one message's effect: what it keeps and notes lands in the record yielded."""
    record = Record()
    token = _current.set(record)
    try:
        yield record
    finally:
        _current.reset(token)


def keep(envelope: Envelope) -> None:
    """Keep the message as it arrived (sealed), with its processed mark."""
    record = _current.get()
    if record is not None:
        record.event = envelope.to_dict()


def note(**values: Any) -> None:
    """Add to the kept record of the message being processed (no-op outside a consumer)."""
    record = _current.get()
    if record is not None:
        record.notes.update(values)


def group_of(settings: Settings) -> str:
    """The consumer group of a service (also the prefix of its inbox records)."""
    return settings.topic_prefix + settings.service


@dataclass(frozen=True)
class Kept:
    envelope: Envelope  # opened (personal None once its subject was erased)
    notes: Mapping[str, Any]


class ConsumedEvents:
    """The kept records of one consumer, read for a rebuild."""

    def __init__(self, db: Database, consumer: str, personal: PersonalData | None) -> None:
        self._records = db[COLLECTION]
        self._consumer = consumer
        self._personal = personal

    def ensure_index(self, path: str) -> None:
        """An index on a field of the kept event (e.g. `data.case_id`), to read by it."""
        self._records.create_index([(f"{EVENT}.{path}", ASCENDING)], sparse=True)

    def find(
        self, query: Mapping[str, Any] | None = None, session: ClientSession | None = None
    ) -> list[Kept]:
        """The kept events whose event matches `query` (on the envelope's fields, e.g.
        {"data.case_id": {"$in": ids}}), opened, in each stream's order."""
        where: dict[str, Any] = {"_id": {"$regex": f"^{_escaped(self._consumer)}:"}, EVENT: {"$exists": True}}
        where.update({f"{EVENT}.{k}": v for k, v in (query or {}).items()})
        records = list(self._records.find(where, {EVENT: 1, NOTES: 1}, session=session))
        envelopes = [Envelope.from_dict(r[EVENT]) for r in records]
        if self._personal is not None:
            self._personal.prefetch(envelopes)
        kept = [
            Kept(self._personal.open_event(e) if self._personal else e, r.get(NOTES) or {})
            for r, e in zip(records, envelopes, strict=True)
        ]
        return sorted(kept, key=lambda k: (k.envelope.stream_id, k.envelope.version))

    def values(self, path: str, query: Mapping[str, Any] | None = None) -> set[Any]:
        """The values of one field of the kept events matching `query` (a rebuild's keys),
        read without opening anything."""
        where: dict[str, Any] = {"_id": {"$regex": f"^{_escaped(self._consumer)}:"}, EVENT: {"$exists": True}}
        where.update({f"{EVENT}.{k}": v for k, v in (query or {}).items()})
        found = self._records.find(where, {f"{EVENT}.{path}": 1})
        values = set()
        for record in found:
            value: Any = record.get(EVENT, {})
            for part in path.split("."):
                value = value.get(part) if isinstance(value, dict) else None
            if value is not None:
                values.add(value)
        return values

    def unkept(self) -> int:
        """Processed marks without a kept event (written before events were kept): a
        rebuild cannot reproduce what those messages did."""
        return self._records.count_documents(
            {"_id": {"$regex": f"^{_escaped(self._consumer)}:"}, EVENT: {"$exists": False}}
        )


def _escaped(text: str) -> str:
    return re.escape(text)
