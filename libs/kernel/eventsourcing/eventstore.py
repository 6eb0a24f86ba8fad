"""The event store's contract: a version per stream (optimistic concurrency), a global
position that gives the outbox relay a total order, upcasters for old event versions, and
`execute` (load, decide, append, retry on a concurrent write). Two stores keep it: one in
memory for unit tests (kernel.eventsourcing.memory_store) and one on MongoDB
(kernel.eventsourcing.mongo_store); the same abstract tests run against both."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from pymongo.client_session import ClientSession

from kernel.eventsourcing.envelope import Envelope, Metadata, NewEvent

log = logging.getLogger(__name__)

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
# Called with the events just appended, inside the append's transaction.
AppendHook = Callable[[Sequence[Envelope], ClientSession | None], None]


class ConcurrencyError(Exception):
    """Another writer appended to the stream since it was read."""


class Upcasters:
    """Turns old schema versions of an event into the current one when events are read.

    An old version that held personal data in clear (before it moved into the sealed
    `personal`) registers a `redact` step too: when the stream's data subject is erased
    (an event `*.personal_data_erased` is appended), the store rewrites those stored
    events with their personal values taken out, in the same transaction. Events are
    otherwise never rewritten; erasure is the one reason the law gives."""

    def __init__(self) -> None:
        self._steps: dict[tuple[str, int], Upcaster] = {}
        self._redactions: dict[tuple[str, int], Upcaster] = {}

    def register(
        self, event_type: str, from_version: int, step: Upcaster, redact: Upcaster | None = None
    ) -> None:
        self._steps[(event_type, from_version)] = step
        if redact is not None:
            self._redactions[(event_type, from_version)] = redact

    def redacted(self, event_type: str, version: int, data: dict[str, Any]) -> dict[str, Any] | None:
        """The stored data of an old event with its clear personal values taken out, or
        None when this version holds none."""
        redact = self._redactions.get((event_type, version))
        return None if redact is None else redact(dict(data))

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

    def read_settled_after(
        self, position: int, limit: int = 500
    ) -> tuple[list[tuple[int, Envelope | Undecodable]], int]:
        """Events after `position` with no unsettled hole before them, and the position
        everything up to which is settled (the relay's next checkpoint). A stored event that
        cannot be read back (or upcast) comes as Undecodable, in its place."""
        ...

    def read_all(self, batch_size: int = 1000) -> Any: ...


@dataclass(frozen=True)
class Undecodable:
    """A stored event that cannot be read back: what the relay dead-letters instead of
    stopping at it."""

    document: dict[str, Any]
    reason: str

    def to_json(self) -> bytes:
        return json.dumps(self.document, default=str).encode()


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
