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
from kernel.deadletters import dead_letter, topic_of
from kernel.dependencies import TRACKER, DependencyTracker
from kernel.envelope import Envelope
from kernel.eventstore import EventStore, Undecodable
from kernel.metrics import DEAD_LETTERS, RELAY_PUBLISHED
from kernel.retry import OUTAGE_BACKOFF, Backoff, Stopped, call_through_outages

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


class Unpublishable(Exception):
    """An event that can never be published as it is (no topic, not JSON, too large)."""


# Kafka's default message.max.bytes and the producer's max_request_size are 1 MiB.
MAX_MESSAGE_BYTES = 1_000_000


class OutboxRelay:
    """An event that can never be published goes to `<topic>.dlq` (or `<relay>.dlq`
    when it has no topic) with the reason, and the relay goes on: one bad event does
    not hold every event behind it. A broker that fails is waited for, from the saved
    position: nothing is skipped for an outage."""

    def __init__(
        self,
        name: str,
        store: EventStore,
        publisher: Publisher,
        checkpoints: CheckpointStore,
        topic_for: Callable[[Envelope], str],
        batch_size: int = 500,
        max_message_bytes: int = MAX_MESSAGE_BYTES,
    ) -> None:
        self.name = name
        self._store = store
        self._publisher = publisher
        self._checkpoints = checkpoints
        self._topic_for = topic_for
        self._batch_size = batch_size
        self._max_message_bytes = max_message_bytes
        self._position: int | None = None  # one relay per store: its checkpoint is read once

    def run_once(self) -> int:
        """Publish the next settled batch of events. Returns how far the position moved."""
        if self._position is None:
            self._position = self._checkpoints.load(self.name)
        position = self._position
        batch, settled = self._store.read_settled_after(position, self._batch_size)
        if settled == position:
            return 0
        for at, envelope in batch:
            if isinstance(envelope, Undecodable):
                self._dead_letter_undecodable(at, envelope)
                continue
            with telemetry.continued(
                envelope.traceparent, "relay publish", SpanKind.PRODUCER, event_type=envelope.type
            ):
                self._publish(at, envelope)
        self._publisher.flush()
        self._checkpoints.save(self.name, settled)
        self._position = settled
        RELAY_PUBLISHED.labels(self.name).inc(len(batch))
        return settled - position

    def _publish(self, position: int, envelope: Envelope) -> None:
        topic = None
        try:
            topic = self._topic_for(envelope)
            value = envelope.to_json()
            if len(value) > self._max_message_bytes:
                raise Unpublishable(f"{len(value)} bytes, more than a message may hold")
        except Exception as exc:
            self._dead_letter(position, envelope, topic, repr(exc))
            return
        self._publisher.publish(topic, envelope.stream_id, value)

    def _dead_letter(self, position: int, envelope: Envelope, topic: str | None, reason: str) -> None:
        log.error(
            "relay %s: event %s at %d cannot be published: %s", self.name, envelope.event_id, position, reason
        )
        try:
            original = envelope.to_json()
        except Exception:
            original = repr(envelope.to_dict()).encode("utf-8", errors="replace")
        value = dead_letter(
            original,
            reason,
            relay=self.name,
            position=position,
            event_id=envelope.event_id,
            type=envelope.type,
            stream_id=envelope.stream_id,
        )
        self._publisher.publish(topic_of(topic or self.name), envelope.stream_id, value)
        DEAD_LETTERS.labels(self.name, topic or self.name).inc()

    def _dead_letter_undecodable(self, position: int, stored: Undecodable) -> None:
        log.error("relay %s: the event at %d cannot be read back: %s", self.name, position, stored.reason)
        value = dead_letter(stored.to_json(), stored.reason, relay=self.name, position=position)
        self._publisher.publish(topic_of(self.name), str(stored.document.get("stream_id", position)), value)
        DEAD_LETTERS.labels(self.name, self.name).inc()

    def run_forever(
        self,
        stop: threading.Event,
        idle_max_s: float = 0.1,
        backoff: Backoff = OUTAGE_BACKOFF,
        tracker: DependencyTracker = TRACKER,
    ) -> None:
        """Poll with a growing pause when idle, so an idle relay costs the store little.
        While the store or the broker is away, wait for it with backoff (told once) and go
        on from the saved position; any other failure is retried with backoff too."""
        pause = 0.01
        failures = 0
        while not stop.is_set():
            try:
                published = call_through_outages(self.run_once, stop, backoff, tracker)
            except Stopped:
                return
            except Exception:
                failures += 1
                if failures == 1:
                    log.exception("relay %s: publishing failed; retrying from the saved position", self.name)
                stop.wait(backoff.delay(failures))
                continue
            failures = 0
            if published:
                pause = 0.01
                continue
            stop.wait(pause)
            pause = min(pause * 2, idle_max_s)
