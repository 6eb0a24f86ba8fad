"""Idempotent consumer: the handler's effects and the record that the message was
processed commit in one MongoDB transaction, so a redelivered message changes
nothing. Messages that can never be processed go to `<topic>.dlq` with the reason."""

from __future__ import annotations

import json
import logging
import signal
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

from kafka import KafkaConsumer
from kafka.errors import KafkaError
from opentelemetry.trace import SpanKind
from pymongo.client_session import ClientSession
from pymongo.database import Database
from pymongo.errors import ConnectionFailure, DuplicateKeyError

from kernel import contracts, telemetry
from kernel.envelope import Envelope, InvalidEnvelope
from kernel.relay import Publisher

log = logging.getLogger(__name__)

Handler = Callable[[Envelope, ClientSession | None], None]


class MessageRejected(Exception):
    """The handler found the message impossible to process (a poison message)."""


class Inbox(Protocol):
    def process_once(self, event_id: str, effect: Callable[[ClientSession | None], None]) -> bool:
        """Run the effect unless this event was processed before. Returns whether it ran."""


class MongoInbox:
    def __init__(self, db: Database, consumer: str) -> None:
        self._db = db
        self._processed = db["processed_messages"]
        self._consumer = consumer

    def process_once(self, event_id, effect):
        key = f"{self._consumer}:{event_id}"

        def transaction(session: ClientSession) -> bool:
            if self._processed.find_one({"_id": key}, {"_id": 1}, session=session):
                return False
            effect(session)
            self._processed.insert_one({"_id": key, "at": datetime.now(UTC)}, session=session)
            return True

        try:
            with self._db.client.start_session() as session:
                return session.with_transaction(transaction)
        except DuplicateKeyError:
            return False  # processed concurrently by another member of the group


class InMemoryInbox:
    def __init__(self) -> None:
        self.processed: set[str] = set()

    def process_once(self, event_id, effect):
        if event_id in self.processed:
            return False
        effect(None)
        self.processed.add(event_id)
        return True


class MessageProcessor:
    """Turns one raw message into an effect, a skip, or a dead letter. No Kafka here."""

    def __init__(self, inbox: Inbox, handlers: Mapping[str, Handler], check_contract: bool = True) -> None:
        self._inbox = inbox
        self._handlers = handlers
        self._check_contract = check_contract

    def process(self, raw: bytes) -> str | None:
        """Returns None when done (or skipped), or the reason to dead-letter the message."""
        try:
            envelope = Envelope.from_json(raw)
        except InvalidEnvelope as exc:
            return f"invalid envelope: {exc}"
        handler = self._handlers.get(envelope.type)
        if handler is None:
            return None  # an event this consumer has no interest in
        try:
            if self._check_contract:
                contracts.validate(envelope)
            with telemetry.continued(
                envelope.traceparent,
                f"consume {envelope.type}",
                SpanKind.CONSUMER,
                event_id=envelope.event_id,
            ):
                self._inbox.process_once(envelope.event_id, lambda session: handler(envelope, session))
        except contracts.ContractViolation as exc:
            return f"contract violation: {exc}"
        except MessageRejected as exc:
            return f"rejected: {exc}"
        return None


def dead_letter_value(
    raw: bytes, reason: str, consumer: str, topic: str, partition: int, offset: int
) -> bytes:
    record: dict[str, Any] = {
        "reason": reason,
        "consumer": consumer,
        "topic": topic,
        "partition": partition,
        "offset": offset,
        "failed_at": datetime.now(UTC).isoformat(),
        "original": raw.decode("utf-8", errors="replace"),
    }
    return json.dumps(record, ensure_ascii=False).encode()


class ConsumerLoop:
    def __init__(
        self,
        name: str,
        consumer: KafkaConsumer,
        processor: MessageProcessor,
        dead_letters: Publisher,
        after_batch: Callable[[], None] | None = None,
        max_attempts: int = 5,
        idle_min_s: float = 0.005,
        idle_max_s: float = 0.05,
    ) -> None:
        self.name = name
        self.idle_min_s = idle_min_s
        self.idle_max_s = idle_max_s
        self._consumer = consumer
        self._processor = processor
        self._dead_letters = dead_letters
        self._after_batch = after_batch
        self._max_attempts = max_attempts

    def run(self, stop: threading.Event) -> None:
        # poll() with a timeout busy-loops on a broker that answers empty fetches at
        # once instead of waiting fetch_max_wait_ms (the embedded one does: a core per
        # idle consumer). So once in the group, poll without blocking and pause here,
        # growing the pause while idle; the latency this adds is at most idle_max_s.
        # Joining the group only progresses inside a blocking poll.
        pause = self.idle_min_s
        last_after = last_blocking = 0.0
        try:
            while not stop.is_set():
                blocking = self._needs_group_work() or time.monotonic() - last_blocking > 5.0
                if blocking:
                    last_blocking = time.monotonic()
                try:
                    batches = self._consumer.poll(timeout_ms=200 if blocking else 0)
                except KafkaError as exc:
                    log.warning("%s: poll failed (%r); retrying", self.name, exc)
                    stop.wait(1.0)
                    continue
                if batches:
                    pause = self.idle_min_s
                else:
                    stop.wait(pause)
                    pause = min(pause * 2, self.idle_max_s)
                for records in batches.values():
                    for record in records:
                        self._handle(record, stop)
                        if stop.is_set():
                            break
                    if stop.is_set():
                        break
                if batches and not stop.is_set():
                    self._commit()
                if self._after_batch and (batches or time.monotonic() - last_after >= self.idle_max_s * 10):
                    self._after_batch()
                    last_after = time.monotonic()
        finally:
            self._consumer.close(autocommit=False)  # leave the group cleanly

    def _needs_group_work(self) -> bool:
        if not self._consumer.assignment():
            return True
        coordinator = getattr(self._consumer, "_coordinator", None)  # kafka-python internals
        try:
            return bool(coordinator and (coordinator.coordinator_unknown() or coordinator.need_rejoin()))
        except AttributeError:
            return True

    def _commit(self) -> None:
        try:
            self._consumer.commit()
        except KafkaError as exc:
            # The group moved on (a rebalance or a broker restart). The batch comes
            # again and is skipped as already processed: nothing is lost or doubled.
            log.warning("%s: offset commit failed (%r); the batch will be redelivered", self.name, exc)

    def _handle(self, record: Any, stop: threading.Event) -> None:
        attempt = 0
        while not stop.is_set():
            attempt += 1
            try:
                reason = self._processor.process(record.value)
            except ConnectionFailure:
                log.warning("%s: store unreachable, retrying offset %s", self.name, record.offset)
                stop.wait(min(2**attempt * 0.1, 5.0))
                continue
            except Exception as exc:
                if attempt < self._max_attempts:
                    log.warning("%s: attempt %d failed: %r", self.name, attempt, exc)
                    stop.wait(0.05 * 2**attempt)
                    continue
                log.exception("%s: giving up on offset %s", self.name, record.offset)
                reason = f"handler failed after {attempt} attempts: {exc!r}"
            if reason is not None:
                self._dead_letter(record, reason)
            return

    def _dead_letter(self, record: Any, reason: str) -> None:
        log.error(
            "%s: dead-lettering %s[%s]@%s: %s",
            self.name,
            record.topic,
            record.partition,
            record.offset,
            reason,
        )
        value = dead_letter_value(
            record.value, reason, self.name, record.topic, record.partition, record.offset
        )
        key = record.key.decode() if record.key else ""
        self._dead_letters.publish(f"{record.topic}.dlq", key, value)
        self._dead_letters.flush()


def run_until_signalled(work: Callable[[threading.Event], None]) -> None:
    """Run a loop until SIGTERM or SIGINT, then let it finish its current step and close."""
    stop = threading.Event()

    def request_stop(signum: int, _frame: object) -> None:
        log.info("signal %s: stopping", signum)
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    started = time.monotonic()
    work(stop)
    log.info("stopped after %.1fs", time.monotonic() - started)
