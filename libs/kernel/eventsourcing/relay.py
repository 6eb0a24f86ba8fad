"""Outbox relay: publishes stored events to Kafka in store order, keyed by stream id.

The saved position moves only after the broker acknowledged every event up to it,
so a restart resumes where it left off and never skips an event (it may publish the
last batch again; consumers are idempotent). A broker that loses messages it had
acknowledged is noticed from its offsets (kernel.eventsourcing.acknowledged) and the events from
the first lost one on are published again."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

from opentelemetry.trace import SpanKind
from pymongo.database import Database

from kernel.eventsourcing.acknowledged import AcknowledgedOffsets, Delivered, Partition, TailLost
from kernel.eventsourcing.deadletters import dead_letter, topic_of
from kernel.eventsourcing.envelope import Envelope
from kernel.eventsourcing.eventstore import EventStore, Undecodable
from kernel.platform import telemetry
from kernel.platform.dependencies import TRACKER, DependencyTracker
from kernel.platform.metrics import DEAD_LETTERS, RELAY_PUBLISHED, RELAY_TAIL_LOST
from kernel.platform.retry import OUTAGE_BACKOFF, Backoff, Stopped, call_through_outages

log = logging.getLogger(__name__)


class Publisher(Protocol):
    def publish(self, topic: str, key: str, value: bytes) -> None: ...

    def flush(self) -> Sequence[Delivered]:
        """Block until everything published is acknowledged; raise if anything failed.
        Returns where each message went, in publish order."""

    def end_offsets(self, partitions: Sequence[Partition]) -> Mapping[Partition, int]:
        """The offset each partition will give its next message."""


class CheckpointStore(Protocol):
    def load(self, name: str) -> int: ...

    def save(self, name: str, position: int) -> None: ...

    def rewind(self, name: str, position: int) -> None:
        """Move the position back (never forward): what follows it is published again."""


class MongoCheckpoints:
    def __init__(self, db: Database) -> None:
        self._collection = db["relay_checkpoints"]

    def load(self, name: str) -> int:
        doc = self._collection.find_one({"_id": name})
        return int(doc["position"]) if doc else 0

    def save(self, name: str, position: int) -> None:
        self._collection.update_one({"_id": name}, {"$max": {"position": position}}, upsert=True)

    def rewind(self, name: str, position: int) -> None:
        self._collection.update_one({"_id": name}, {"$min": {"position": position}}, upsert=True)


class InMemoryCheckpoints:
    def __init__(self) -> None:
        self.positions: dict[str, int] = {}

    def load(self, name: str) -> int:
        return self.positions.get(name, 0)

    def save(self, name: str, position: int) -> None:
        self.positions[name] = max(position, self.positions.get(name, 0))

    def rewind(self, name: str, position: int) -> None:
        self.positions[name] = min(position, self.positions.get(name, position))


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
# What one flush publishes at most (one message may exceed it alone), so that a flush is one
# produce request (kernel.platform.connections.relay_producer): a broker restarting meanwhile then
# takes all of it or none, never its first half while a restarted one takes the second.
FLUSH_BYTES = 900_000


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
        flush_bytes: int = FLUSH_BYTES,
        acknowledged: AcknowledgedOffsets | None = None,
        idle_check_every_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self._store = store
        self._publisher = publisher
        self._checkpoints = checkpoints
        self._topic_for = topic_for
        self._batch_size = batch_size
        self._max_message_bytes = max_message_bytes
        self._flush_bytes = flush_bytes
        self._position: int | None = None  # one relay per store: its checkpoint is read once
        self._acknowledged = acknowledged or AcknowledgedOffsets()
        self._idle_check_every_s = idle_check_every_s
        self._clock = clock
        self._ends_checked_at = float("-inf")

    def run_once(self) -> int:
        """Publish the next settled batch of events. Returns how far the position moved
        (negative when the broker lost messages and the relay went back to publish them again)."""
        if self._position is None:
            self._position = self._checkpoints.load(self.name)
        position = self._position
        batch, settled = self._store.read_settled_after(position, self._batch_size)
        # Before publishing anything new, make sure the broker still has what it acknowledged:
        # a new message must not take the place (and the turn) of one the broker lost.
        due = self._clock() - self._ends_checked_at >= self._idle_check_every_s
        if (settled != position or due) and self._check_ends():
            return self._position - position
        if settled == position:
            return 0
        sent: list[int] = []  # the position each published message stands for
        size = 0
        for at, envelope in batch:
            message = self._message(at, envelope)
            if sent and size + len(message[2]) > self._flush_bytes:
                settled = sent[-1]  # the rest in the next flush: one request to the broker each
                break
            with telemetry.continued(
                getattr(envelope, "traceparent", None),
                "relay publish",
                SpanKind.PRODUCER,
                event_type=getattr(envelope, "type", "undecodable"),
            ):
                self._publisher.publish(*message)
            sent.append(at)
            size += len(message[2])
        delivered = self._publisher.flush()
        losses = [
            lost
            for at, where in zip(sent, delivered, strict=True)
            if (lost := self._acknowledged.record(at, where)) is not None
        ]
        RELAY_PUBLISHED.labels(self.name).inc(len(sent))
        if losses:
            self._go_back(losses)
            return self._position - position
        self._checkpoints.save(self.name, settled)
        self._position = settled
        return settled - position

    def _check_ends(self) -> bool:
        """Whether the broker lost what it acknowledged (the relay then went back)."""
        self._ends_checked_at = self._clock()
        unsure = self._acknowledged.unsure()
        if not unsure:
            return False
        losses = self._acknowledged.check_ends(self._publisher.end_offsets(unsure))
        if losses:
            self._go_back(losses)
        return bool(losses)

    def _go_back(self, losses: list[TailLost]) -> None:
        for lost in losses:
            (log.warning if lost.complete else log.error)("relay %s: %s", self.name, lost.describe())
        RELAY_TAIL_LOST.labels(self.name).inc()
        back_to = min(lost.republish_after for lost in losses)
        self._checkpoints.rewind(self.name, back_to)
        self._position = min(back_to, self._position if self._position is not None else back_to)

    def _message(self, position: int, stored: Envelope | Undecodable) -> tuple[str, str, bytes]:
        """The event's message (topic, key, value), or its dead letter's."""
        if isinstance(stored, Undecodable):
            return self._undecodable_dead_letter(position, stored)
        topic = None
        try:
            topic = self._topic_for(stored)
            value = stored.to_json()
            if len(value) > self._max_message_bytes:
                raise Unpublishable(f"{len(value)} bytes, more than a message may hold")
        except Exception as exc:
            return self._dead_letter(position, stored, topic, repr(exc))
        return topic, stored.stream_id, value

    def _dead_letter(
        self, position: int, envelope: Envelope, topic: str | None, reason: str
    ) -> tuple[str, str, bytes]:
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
        DEAD_LETTERS.labels(self.name, topic or self.name).inc()
        return topic_of(topic or self.name), envelope.stream_id, value

    def _undecodable_dead_letter(self, position: int, stored: Undecodable) -> tuple[str, str, bytes]:
        log.error("relay %s: the event at %d cannot be read back: %s", self.name, position, stored.reason)
        value = dead_letter(stored.to_json(), stored.reason, relay=self.name, position=position)
        DEAD_LETTERS.labels(self.name, self.name).inc()
        return topic_of(self.name), str(stored.document.get("stream_id", position)), value

    def run_forever(
        self,
        stop: threading.Event,
        idle_max_s: float = 0.1,
        backoff: Backoff = OUTAGE_BACKOFF,
        tracker: DependencyTracker = TRACKER,
        idle_long_max_s: float = 0.5,
        idle_long_after_s: float = 2.0,
    ) -> None:
        """Poll with a growing pause when idle, so an idle relay costs the store little:
        up to `idle_max_s` right after events (a steady trickle is published quickly), up
        to `idle_long_max_s` once nothing came for `idle_long_after_s` (four relays polling
        an idle store ten times a second each were a fifth of its CPU). While the store or
        the broker is away, wait for it with backoff (told once) and go on from the saved
        position; any other failure is retried with backoff too."""
        pause = 0.01
        failures = 0
        last_published = time.monotonic()
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
                pause, last_published = 0.01, time.monotonic()
                continue
            stop.wait(pause)
            quiet = time.monotonic() - last_published >= idle_long_after_s
            pause = min(pause * 2, idle_long_max_s if quiet else idle_max_s)
