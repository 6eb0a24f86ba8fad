"""Outbox relay: publishes stored events to Kafka in store order, keyed by stream id.

The saved position moves only after the broker acknowledged every event up to it,
so a restart resumes where it left off and never skips an event (it may publish the
last batch again; consumers are idempotent)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import Protocol

from opentelemetry.trace import SpanKind
from pymongo.database import Database

from kernel import telemetry
from kernel.envelope import Envelope
from kernel.eventstore import EventStore
from kernel.metrics import RELAY_PUBLISHED

log = logging.getLogger(__name__)


class Publisher(Protocol):
    def publish(self, topic: str, key: str, value: bytes) -> None: ...

    def flush(self) -> None:
        """Block until everything published is acknowledged; raise if anything failed."""


class CheckpointStore(Protocol):
    def load(self, name: str) -> int: ...

    def save(self, name: str, position: int) -> None: ...


class MongoCheckpoints:
    def __init__(self, db: Database) -> None:
        self._collection = db["relay_checkpoints"]

    def load(self, name: str) -> int:
        doc = self._collection.find_one({"_id": name})
        return int(doc["position"]) if doc else 0

    def save(self, name: str, position: int) -> None:
        self._collection.update_one({"_id": name}, {"$max": {"position": position}}, upsert=True)


class InMemoryCheckpoints:
    def __init__(self) -> None:
        self.positions: dict[str, int] = {}

    def load(self, name: str) -> int:
        return self.positions.get(name, 0)

    def save(self, name: str, position: int) -> None:
        self.positions[name] = max(position, self.positions.get(name, 0))


def route_by_stream_category(routes: Mapping[str, str]) -> Callable[[Envelope], str]:
    """Stream ids look like `<category>-<id>`; each category has its topic."""

    def topic_for(envelope: Envelope) -> str:
        category = envelope.stream_id.split("-", 1)[0]
        try:
            return routes[category]
        except KeyError:
            raise LookupError(f"no topic for stream category {category!r}") from None

    return topic_for


class OutboxRelay:
    def __init__(
        self,
        name: str,
        store: EventStore,
        publisher: Publisher,
        checkpoints: CheckpointStore,
        topic_for: Callable[[Envelope], str],
        batch_size: int = 500,
    ) -> None:
        self.name = name
        self._store = store
        self._publisher = publisher
        self._checkpoints = checkpoints
        self._topic_for = topic_for
        self._batch_size = batch_size
        self._position: int | None = None  # one relay per store: its checkpoint is read once

    def run_once(self) -> int:
        """Publish the next settled batch of events. Returns how far the position moved."""
        if self._position is None:
            self._position = self._checkpoints.load(self.name)
        position = self._position
        batch, settled = self._store.read_settled_after(position, self._batch_size)
        if settled == position:
            return 0
        for _, envelope in batch:
            with telemetry.continued(
                envelope.traceparent, "relay publish", SpanKind.PRODUCER, event_type=envelope.type
            ):
                self._publisher.publish(self._topic_for(envelope), envelope.stream_id, envelope.to_json())
        self._publisher.flush()
        self._checkpoints.save(self.name, settled)
        self._position = settled
        RELAY_PUBLISHED.labels(self.name).inc(len(batch))
        return settled - position

    def run_forever(self, stop: threading.Event, idle_max_s: float = 0.1) -> None:
        """Poll with a growing pause when idle, so an idle relay costs the store little."""
        pause = 0.01
        while not stop.is_set():
            try:
                published = self.run_once()
            except Exception:
                log.exception("relay %s: publishing failed; retrying from the saved position", self.name)
                published = 0
                pause = 1.0
            if published:
                pause = 0.01
                continue
            stop.wait(pause)
            pause = min(pause * 2, idle_max_s)
