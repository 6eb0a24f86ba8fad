"""The event store on MongoDB (the contract: kernel.eventsourcing.eventstore).

Positions are drawn from a counter document with an atomic `$inc`
outside the append's transaction (inside it, every concurrent append would conflict
on the counter and writers would queue behind each other). So positions can commit
out of order and an aborted append leaves a hole. The relay reads only the settled
prefix: a hole that lasts longer than `gap_timeout_s` is closed with a tombstone
under the unique position index, so a late commit of that position fails and is
retried with a fresh one. No event is ever skipped.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.client_session import ClientSession
from pymongo.database import Database
from pymongo.errors import BulkWriteError, DuplicateKeyError, OperationFailure

from kernel.eventsourcing.envelope import Envelope, seal, utc_now
from kernel.eventsourcing.eventstore import AppendHook, ConcurrencyError, Undecodable, Upcasters
from kernel.eventsourcing.transactions import run_in_transaction
from kernel.platform.dependencies import dependency_of
from kernel.privacy.personal import ERASURE_EVENT_SUFFIX, PersonalData

log = logging.getLogger(__name__)


class MongoEventStore:
    def __init__(
        self,
        db: Database,
        upcasters: Upcasters | None = None,
        hooks: Sequence[AppendHook] = (),
        clock: Callable[[], datetime] = utc_now,
        gap_timeout_s: float = 2.0,
        personal: PersonalData | None = None,
    ) -> None:
        self._db = db
        self._personal = personal
        self._gap_timeout_s = gap_timeout_s
        self._gaps_seen: dict[int, float] = {}
        self._events = db["events"]
        self._counters = db["counters"]
        self._upcasters = upcasters or Upcasters()
        self._hooks = list(hooks)
        self._clock = clock

    @property
    def db(self) -> Database:
        """The database the events (and the relay's checkpoints) live in."""
        return self._db

    def ensure_schema(self) -> None:
        self._events.create_index([("stream_id", ASCENDING), ("version", ASCENDING)], unique=True)
        self._events.create_index([("position", ASCENDING)], unique=True)
        self._counters.update_one({"_id": "events"}, {"$setOnInsert": {"position": 0}}, upsert=True)

    def append(self, stream_id, expected_version, events, meta, session=None):
        events = list(events)
        sealed = seal(stream_id, expected_version + 1, events, meta, self._clock())
        # Stored sealed; the hooks and the caller get the events as written.
        stored = [self._personal.seal_event(e) for e in sealed] if self._personal else sealed
        reserved: list[int] = []
        used: list[int] = []

        def write(s: ClientSession) -> None:
            used.clear()
            if expected_version > 0 and not self._events.find_one(
                {"stream_id": stream_id, "version": expected_version}, {"_id": 1}, session=s
            ):
                raise ConcurrencyError(f"{stream_id} has no version {expected_version}")
            positions = self._reserve(len(stored))
            reserved.extend(positions)
            docs = [
                {"_id": e.event_id, "position": p, **e.to_dict()}
                for p, e in zip(positions, stored, strict=True)
            ]
            try:
                self._events.insert_many(docs, session=s)
            except (DuplicateKeyError, BulkWriteError) as exc:
                if not _is_duplicate_key(exc):
                    raise
                raise ConcurrencyError(f"{stream_id} already has version {expected_version + 1}") from exc
            if any(e.type.endswith(ERASURE_EVENT_SUFFIX) for e in sealed):
                self._redact(stream_id, s)
            for hook in self._hooks:
                hook(sealed, s)
            used.extend(positions)

        if session is not None:
            # The caller's transaction decides; a hole it leaves is closed by the relay.
            write(session)
            return sealed
        try:
            run_in_transaction(self._db.client, write)
        except BaseException as exc:
            used.clear()
            if dependency_of(exc) is not None:
                raise  # the store is away: the relay closes the holes once it is back
            self._close(sorted(set(reserved)))
            raise
        # Positions of attempts that did not commit: close them now rather than
        # let the relay wait for them.
        self._close(sorted(set(reserved) - set(used)))
        return sealed

    def _redact(self, stream_id: str, session: ClientSession) -> None:
        """Old events of the stream that hold personal data in clear, rewritten without it."""
        for doc in self._events.find(
            {"stream_id": stream_id}, {"type": 1, "schema_version": 1, "data": 1}, session=session
        ):
            data = self._upcasters.redacted(doc["type"], doc["schema_version"], doc["data"])
            if data is not None and data != doc["data"]:
                self._events.update_one({"_id": doc["_id"]}, {"$set": {"data": data}}, session=session)

    def _reserve(self, count: int) -> list[int]:
        counter = self._counters.find_one_and_update(
            {"_id": "events"},
            {"$inc": {"position": count}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        last = int(counter["position"])
        return list(range(last - count + 1, last + 1))

    def _close(self, positions: Sequence[int]) -> None:
        """Put a tombstone on each position; stop at one still being written (the relay
        tries again later)."""
        for position in positions:
            gap_id = f"{GAP_PREFIX}{position}"
            try:
                self._events.insert_one(
                    {"_id": gap_id, "position": position, "stream_id": gap_id, "version": 1, "gap": True}
                )
            except DuplicateKeyError:
                pass  # the append committed after all
            except OperationFailure as exc:
                if exc.code == 112:  # WriteConflict: its transaction is still open
                    return
                raise

    def load(self, stream_id, session=None):
        cursor = self._events.find({"stream_id": stream_id}, session=session).sort("version", ASCENDING)
        return [self._open(self._decode(doc)) for doc in cursor]

    def load_many(
        self, stream_ids: Sequence[str], session: ClientSession | None = None
    ) -> dict[str, list[Envelope]]:
        """Several whole streams in one query (a rebuild's chunk), each in version order."""
        streams: dict[str, list[Envelope]] = {s: [] for s in stream_ids}
        cursor = self._events.find({"stream_id": {"$in": list(stream_ids)}}, session=session)
        decoded = sorted((self._decode(doc) for doc in cursor), key=lambda e: (e.stream_id, e.version))
        for envelope in self._open_all(decoded):
            streams[envelope.stream_id].append(envelope)
        return streams

    def read_after(self, position, limit=500):
        """Events as stored (personal data sealed): what the relay publishes."""
        cursor = self._events.find({"position": {"$gt": position}}).sort("position", ASCENDING).limit(limit)
        return [(doc["position"], self._decode(doc)) for doc in cursor if not doc.get("gap")]

    def read_settled_after(self, position, limit=500):
        cursor = self._events.find({"position": {"$gt": position}}).sort("position", ASCENDING).limit(limit)
        settled = position
        batch: list[tuple[int, Envelope]] = []
        for doc in cursor:
            if doc["position"] != settled + 1:
                self._handle_hole(range(settled + 1, doc["position"]))
                break
            settled = doc["position"]
            if not doc.get("gap"):
                batch.append((settled, self._decode_or_undecodable(doc)))
        for seen in [p for p in self._gaps_seen if p <= settled]:
            del self._gaps_seen[seen]
        return batch, settled

    def _handle_hole(self, positions: range) -> None:
        """A hole is an append still in flight, or one that died. Wait for a while, then close it."""
        now = time.monotonic()
        first_seen = min(self._gaps_seen.setdefault(p, now) for p in positions)
        if now - first_seen >= self._gap_timeout_s:
            log.warning(
                "positions %d-%d unfilled for %.1fs: closing them",
                positions[0],
                positions[-1],
                now - first_seen,
            )
            self._close(positions)

    def read_all(self, batch_size=1000, session: ClientSession | None = None):
        """Every event in store order, opened (every data key loaded once), from one cursor
        (in `session`'s snapshot when given: a rebuild in one transaction)."""
        replaying = self._personal.replaying() if self._personal else contextlib.nullcontext()
        with replaying:
            yield from self._read_all(batch_size, session)

    def _read_all(self, batch_size: int, session: ClientSession | None = None) -> Iterator[Envelope]:
        cursor = (
            self._events.find({"gap": {"$ne": True}}, session=session)
            .sort("position", ASCENDING)
            .batch_size(batch_size)
        )
        batch: list[Envelope] = []
        for doc in cursor:
            batch.append(self._decode(doc))
            if len(batch) == batch_size:
                yield from self._open_all(batch)
                batch = []
        yield from self._open_all(batch)

    def _open_all(self, batch: list[Envelope]) -> list[Envelope]:
        if self._personal:
            self._personal.prefetch(batch)
        return [self._open(e) for e in batch]

    def import_events(self, envelopes: Sequence[Envelope], batch_size: int = 1000) -> int:
        """Bulk-load whole streams made elsewhere (a migration of historical cases): sealed,
        given positions in order and inserted without the hooks; rebuild the read models
        afterwards. The unique (stream_id, version) index still refuses a clash."""
        for start in range(0, len(envelopes), batch_size):
            chunk = list(envelopes[start : start + batch_size])
            if self._personal:
                self._personal.vault.prepare(
                    e.data["subject_id"] for e in chunk if isinstance(e.data.get("personal"), dict)
                )
                chunk = [self._personal.seal_event(e) for e in chunk]
            positions = self._reserve(len(chunk))
            self._events.insert_many(
                [
                    {"_id": e.event_id, "position": p, **e.to_dict()}
                    for p, e in zip(positions, chunk, strict=True)
                ],
                ordered=True,
            )
        return len(envelopes)

    def _decode(self, doc: dict[str, Any]) -> Envelope:
        return self._upcasters.upcast(Envelope.from_dict(doc))

    def _decode_or_undecodable(self, doc: dict[str, Any]) -> Envelope | Undecodable:
        try:
            return self._decode(doc)
        except Exception as exc:
            stored = {key: value for key, value in doc.items() if key != "_id"}
            return Undecodable(stored, f"undecodable stored event: {exc!r}")

    def _open(self, envelope: Envelope) -> Envelope:
        return self._personal.open_event(envelope) if self._personal else envelope


GAP_PREFIX = "$gap-"


def _is_duplicate_key(exc: Exception) -> bool:
    if isinstance(exc, DuplicateKeyError):
        return True
    errors = exc.details.get("writeErrors", []) if isinstance(exc, BulkWriteError) else []
    return any(error.get("code") == 11000 for error in errors)
