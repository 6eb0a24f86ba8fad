"""Event stores: one in memory for unit tests, one on MongoDB for everything else.

Both keep a version per stream (optimistic concurrency) and a global position that
gives the outbox relay a total order. On MongoDB the position comes from a counter
document updated in the same transaction as the insert: a concurrent append
touching the counter gets a write conflict and retries, so positions become
visible in order and the relay never skips one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Protocol

from pymongo import ASCENDING, ReturnDocument
from pymongo.client_session import ClientSession
from pymongo.database import Database
from pymongo.errors import BulkWriteError, DuplicateKeyError

from kernel.envelope import Envelope, Metadata, NewEvent, seal, utc_now

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
# Called with the events just appended, inside the append's transaction.
AppendHook = Callable[[Sequence[Envelope], ClientSession | None], None]


class ConcurrencyError(Exception):
    """Another writer appended to the stream since it was read."""


class Upcasters:
    """Turns old schema versions of an event into the current one when events are read."""

    def __init__(self) -> None:
        self._steps: dict[tuple[str, int], Upcaster] = {}

    def register(self, event_type: str, from_version: int, step: Upcaster) -> None:
        self._steps[(event_type, from_version)] = step

    def upcast(self, envelope: Envelope) -> Envelope:
        while (step := self._steps.get((envelope.type, envelope.schema_version))) is not None:
            envelope = envelope.with_data(step(dict(envelope.data)), envelope.schema_version + 1)
        return envelope


class EventStore(Protocol):
    def append(
        self,
        stream_id: str,
        expected_version: int,
        events: Sequence[NewEvent],
        meta: Metadata,
        session: ClientSession | None = None,
    ) -> list[Envelope]: ...

    def load(self, stream_id: str, session: ClientSession | None = None) -> list[Envelope]: ...

    def read_after(self, position: int, limit: int = 500) -> list[tuple[int, Envelope]]: ...

    def read_all(self, batch_size: int = 1000) -> Any: ...


class InMemoryEventStore:
    def __init__(
        self,
        upcasters: Upcasters | None = None,
        hooks: Sequence[AppendHook] = (),
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._log: list[Envelope] = []
        self._streams: dict[str, list[Envelope]] = {}
        self._lock = threading.Lock()
        self._upcasters = upcasters or Upcasters()
        self._hooks = list(hooks)
        self._clock = clock

    def append(self, stream_id, expected_version, events, meta, session=None):
        with self._lock:
            stream = self._streams.setdefault(stream_id, [])
            if len(stream) != expected_version:
                raise ConcurrencyError(f"{stream_id} is at version {len(stream)}, not {expected_version}")
            sealed = seal(stream_id, expected_version + 1, list(events), meta, self._clock())
            stream.extend(sealed)
            self._log.extend(sealed)
        for hook in self._hooks:
            hook(sealed, session)
        return sealed

    def load(self, stream_id, session=None):
        return [self._upcasters.upcast(e) for e in self._streams.get(stream_id, [])]

    def read_after(self, position, limit=500):
        return [
            (index + 1, self._upcasters.upcast(e))
            for index, e in enumerate(self._log[position : position + limit], start=position)
        ]

    def read_all(self, batch_size=1000):
        for _, envelope in self.read_after(0, len(self._log)):
            yield envelope


class MongoEventStore:
    def __init__(
        self,
        db: Database,
        upcasters: Upcasters | None = None,
        hooks: Sequence[AppendHook] = (),
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._db = db
        self._events = db["events"]
        self._counters = db["counters"]
        self._upcasters = upcasters or Upcasters()
        self._hooks = list(hooks)
        self._clock = clock

    def ensure_schema(self) -> None:
        self._events.create_index([("stream_id", ASCENDING), ("version", ASCENDING)], unique=True)
        self._events.create_index([("position", ASCENDING)], unique=True)
        self._counters.update_one({"_id": "events"}, {"$setOnInsert": {"position": 0}}, upsert=True)

    def append(self, stream_id, expected_version, events, meta, session=None):
        events = list(events)
        sealed = seal(stream_id, expected_version + 1, events, meta, self._clock())

        def write(s: ClientSession) -> None:
            if expected_version > 0 and not self._events.find_one(
                {"stream_id": stream_id, "version": expected_version}, {"_id": 1}, session=s
            ):
                raise ConcurrencyError(f"{stream_id} has no version {expected_version}")
            counter = self._counters.find_one_and_update(
                {"_id": "events"},
                {"$inc": {"position": len(sealed)}},
                upsert=True,
                return_document=ReturnDocument.AFTER,
                session=s,
            )
            first = counter["position"] - len(sealed) + 1
            docs = [{"_id": e.event_id, "position": first + i, **e.to_dict()} for i, e in enumerate(sealed)]
            try:
                self._events.insert_many(docs, session=s)
            except (DuplicateKeyError, BulkWriteError) as exc:
                if not _is_duplicate_key(exc):
                    raise
                raise ConcurrencyError(f"{stream_id} already has version {expected_version + 1}") from exc
            for hook in self._hooks:
                hook(sealed, s)

        if session is not None:
            write(session)
        else:
            with self._db.client.start_session() as own:
                own.with_transaction(write)
        return sealed

    def load(self, stream_id, session=None):
        cursor = self._events.find({"stream_id": stream_id}, session=session).sort("version", ASCENDING)
        return [self._decode(doc) for doc in cursor]

    def read_after(self, position, limit=500):
        cursor = self._events.find({"position": {"$gt": position}}).sort("position", ASCENDING).limit(limit)
        return [(doc["position"], self._decode(doc)) for doc in cursor]

    def read_all(self, batch_size=1000):
        position = 0
        while batch := self.read_after(position, batch_size):
            for position, envelope in batch:  # noqa: B007 - position carries over to the next batch
                yield envelope

    def _decode(self, doc: dict[str, Any]) -> Envelope:
        return self._upcasters.upcast(Envelope.from_dict(doc))


def _is_duplicate_key(exc: Exception) -> bool:
    if isinstance(exc, DuplicateKeyError):
        return True
    errors = exc.details.get("writeErrors", []) if isinstance(exc, BulkWriteError) else []
    return any(error.get("code") == 11000 for error in errors)


def execute(
    store: EventStore,
    stream_id: str,
    decide: Callable[[list[Envelope]], list[NewEvent]],
    meta: Metadata,
    session: ClientSession | None = None,
    attempts: int = 5,
) -> list[Envelope]:
    """Load a stream, decide on new events and append them, retrying on a concurrent write.

    Inside a caller's transaction a conflict aborts the transaction, so it is raised
    for the caller (the consumer loop) to retry the whole message.
    """
    for attempt in range(attempts):
        history = store.load(stream_id, session)
        new_events = decide(history)
        if not new_events:
            return []
        try:
            return store.append(stream_id, len(history), new_events, meta, session)
        except ConcurrencyError:
            if session is not None or attempt == attempts - 1:
                raise
    return []
