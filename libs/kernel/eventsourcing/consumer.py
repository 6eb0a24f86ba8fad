"""The consumer loop: polls Kafka, hands each batch to the message processor
(kernel.eventsourcing.processor: the handler's effects and the inbox mark commit in one
transaction, so a redelivered message changes nothing), commits only the offsets it
handled, rides through broker and store outages, and sends what can never be processed
to `<topic>.dlq` with the reason."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from kafka import KafkaConsumer
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata, TopicPartition

from kernel.eventsourcing.deadletters import reason_of, topic_of
from kernel.eventsourcing.processor import MessageProcessor, dead_letter_value
from kernel.eventsourcing.relay import Publisher
from kernel.platform.dependencies import BROKER, TRACKER, DependencyTracker
from kernel.platform.metrics import DEAD_LETTERS, record_lag
from kernel.platform.retry import OUTAGE_BACKOFF, Backoff, RetryGate, Stopped, call_through_outages

log = logging.getLogger(__name__)

LAG_EVERY_S = 10.0
COORDINATOR_GRACE_S = 5.0  # joining the group after a start takes a moment


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
        chunk_size: int = 50,
        idle_long_max_s: float = 0.25,
        idle_long_after_s: float = 2.0,
        tracker: DependencyTracker = TRACKER,
        backoff: Backoff = OUTAGE_BACKOFF,
    ) -> None:
        self.name = name
        self.chunk_size = chunk_size
        self.idle_min_s = idle_min_s
        self.idle_max_s = idle_max_s
        self.idle_long_max_s = max(idle_long_max_s, idle_max_s)
        self.idle_long_after_s = idle_long_after_s
        self._consumer = consumer
        self._processor = processor
        self._dead_letters = dead_letters
        self._after_batch = after_batch
        self._max_attempts = max_attempts
        self._tracker = tracker
        self._backoff = backoff
        self._after_gate = RetryGate(f"{name}: the work after the batch", backoff, tracker)
        self._poll_failures = 0
        self._coordinator_lost_at: float | None = None
        # A member that does not poll within max_poll_interval_ms is put out of its group
        # (before Kafka 0.10.1 that is the session timeout, 10 s): a long batch is cut
        # well before, and the rest of it polled again.
        max_poll_interval_ms = getattr(consumer, "config", {}).get("max_poll_interval_ms", 300_000)
        self.batch_budget_s = max_poll_interval_ms / 1000 / 3

    def run(self, stop: threading.Event) -> None:
        # poll() with a timeout busy-loops on a broker that answers empty fetches at
        # once instead of waiting fetch_max_wait_ms (the embedded one does: a core per
        # idle consumer). So once in the group, poll without blocking and pause here,
        # growing the pause while idle; the latency this adds is at most idle_max_s
        # while messages keep coming, idle_long_max_s once none came for a while (each
        # poll costs this process CPU). Joining the group only progresses inside a
        # blocking poll.
        pause = self.idle_min_s
        last_after = last_blocking = last_lag = 0.0
        last_batch = time.monotonic()
        try:
            while not stop.is_set():
                blocking = self._needs_group_work() or time.monotonic() - last_blocking > 5.0
                if blocking:
                    last_blocking = time.monotonic()
                try:
                    batches = self._consumer.poll(timeout_ms=200 if blocking else 0)
                except KafkaError as exc:
                    self._poll_failures += 1
                    if self._tracker.report(exc) is None:
                        log.warning("%s: poll failed (%r); retrying", self.name, exc)
                    stop.wait(self._backoff.delay(self._poll_failures))
                    continue
                self._poll_failures = 0
                self._watch_the_group()
                if batches:
                    pause, last_batch = self.idle_min_s, time.monotonic()
                else:
                    stop.wait(pause)
                    quiet = time.monotonic() - last_batch >= self.idle_long_after_s
                    pause = min(pause * 2, self.idle_long_max_s if quiet else self.idle_max_s)
                handled = self._handle_polled(batches, stop)
                if handled:
                    self._commit(handled)
                if time.monotonic() - last_lag >= LAG_EVERY_S:
                    last_lag = time.monotonic()
                    self._record_lag()
                if self._after_batch and (batches or time.monotonic() - last_after >= self.idle_max_s * 10):
                    self._run_after_batch()
                    last_after = time.monotonic()
        finally:
            self._consumer.close(autocommit=False)  # leave the group cleanly

    def _run_after_batch(self) -> None:
        # the work after a batch (a dispatcher) never stops consuming: when it fails it
        # waits its own backoff, and the outage it met is told once
        assert self._after_batch is not None
        self._after_gate.run(self._after_batch)

    def _watch_the_group(self) -> None:
        """The broker is away when the group's coordinator stays unknown (kafka-python
        reconnects by itself and raises nothing from poll); back once it is found again.
        A coordinator merely still known is no sign: the client notices a lost one late.
        While an outage is already told the grace starts again: once the broker answers,
        finding the coordinator again takes a moment, and that is the same outage."""
        if self._coordinator_unknown():
            now = time.monotonic()
            if self._coordinator_lost_at is None or self._tracker.is_away(BROKER):
                self._coordinator_lost_at = now
            elif now - self._coordinator_lost_at >= COORDINATOR_GRACE_S:
                lost = f"the group coordinator is unknown for {COORDINATOR_GRACE_S:.0f} s"
                self._tracker.away(BROKER, lost)
        elif self._coordinator_lost_at is not None:
            self._coordinator_lost_at = None
            self._tracker.back(BROKER)

    def _coordinator_unknown(self) -> bool:
        coordinator = getattr(self._consumer, "_coordinator", None)  # kafka-python internals
        try:
            return bool(coordinator and coordinator.coordinator_unknown())
        except AttributeError:
            return False

    def _record_lag(self) -> None:
        try:
            record_lag(self._consumer, self.name)
        except Exception as exc:  # lag is a measurement; never let it stop consuming
            log.debug("%s: lag not measured: %r", self.name, exc)

    def _needs_group_work(self) -> bool:
        if not self._consumer.assignment():
            return True
        coordinator = getattr(self._consumer, "_coordinator", None)  # kafka-python internals
        try:
            return bool(coordinator and (coordinator.coordinator_unknown() or coordinator.need_rejoin()))
        except AttributeError:
            return True

    def _handle_polled(
        self, batches: Mapping[TopicPartition, Sequence[Any]], stop: threading.Event
    ) -> dict[TopicPartition, OffsetAndMetadata]:
        """Handle what one poll returned, partition by partition, and return the offsets
        to commit: just past the last record handled. The batch is cut short on a stop
        request, when the group is rebalancing (its members must rejoin in time) or when
        the batch budget is spent; each partition is then rewound to its first record
        not handled, so the next poll returns it again and nothing is skipped."""
        polled_at = time.monotonic()

        def cut_short() -> bool:
            return stop.is_set() or time.monotonic() - polled_at > self.batch_budget_s or self._rebalancing()

        handled: dict[TopicPartition, OffsetAndMetadata] = {}
        left = 0
        for partition, records in batches.items():
            # the first chunk of a poll always runs: however slow, the loop moves on
            count = 0 if handled and cut_short() else self.handle(records, stop, cut_short)
            if count:
                handled[partition] = OffsetAndMetadata(records[count - 1].offset + 1, "", -1)
            if count < len(records):
                self._rewind(partition, records[count].offset)
                left += len(records) - count
        if left and not stop.is_set():
            log.info(
                "%s: %d records left for the next poll (%s)",
                self.name,
                left,
                "the group is rebalancing" if self._rebalancing() else "the batch took too long",
            )
        return handled

    def _rebalancing(self) -> bool:
        coordinator = getattr(self._consumer, "_coordinator", None)  # kafka-python internals
        try:
            return bool(coordinator and coordinator.need_rejoin())
        except AttributeError:
            return False

    def _rewind(self, partition: TopicPartition, offset: int) -> None:
        try:
            self._consumer.seek(partition, offset)
        except Exception as exc:  # no longer ours: its next owner starts at the committed offset
            log.info("%s: %s not rewound to %s: %r", self.name, partition, offset, exc)

    def _commit(self, offsets: dict[TopicPartition, OffsetAndMetadata]) -> None:
        try:
            self._consumer.commit(offsets)
            self._tracker.back(BROKER)
        except KafkaError as exc:
            # The group moved on (a rebalance or a broker restart). The batch comes
            # again and is skipped as already processed: nothing is lost or doubled.
            if self._tracker.report(exc) is None:
                log.warning("%s: offset commit failed (%r); the batch will be redelivered", self.name, exc)

    def handle(
        self, records: Sequence[Any], stop: threading.Event, cut_short: Callable[[], bool] | None = None
    ) -> int:
        """Process a partition's records in order: one transaction per chunk, one by one
        if that fails. Each record takes effect, is skipped, or is dead-lettered; only a
        stop request (or an unreachable store or broker, waited for) holds the next one.
        `cut_short` is asked between chunks whether to stop there. Returns how many of
        the records were handled (the first ones)."""
        for start in range(0, len(records), self.chunk_size):
            if start and cut_short is not None and cut_short():
                return start
            chunk = records[start : start + self.chunk_size]
            raws = [r.value or b"" for r in chunk]
            try:
                if len(chunk) > 1 and self._through_outages(
                    lambda raws=raws: self._processor.process_all(raws), stop
                ):
                    continue
            except Stopped:
                return start
            for done, record in enumerate(chunk):
                try:
                    self._handle(record, stop)
                except Stopped:
                    return start + done
                if stop.is_set():
                    return start + done  # this one may not be done: it comes again
        return len(records)

    def _through_outages(self, call: Callable[[], Any], stop: threading.Event) -> Any:
        return call_through_outages(call, stop, self._backoff, self._tracker)

    def _handle(self, record: Any, stop: threading.Event) -> None:
        attempt = 0
        while not stop.is_set():
            attempt += 1
            try:
                # a tombstone has no value; an outage is waited out, not counted as an attempt
                reason = self._through_outages(lambda: self._processor.process(record.value or b""), stop)
            except Stopped:
                return
            except Exception as exc:
                if attempt < self._max_attempts:
                    log.warning("%s: attempt %d failed: %r", self.name, attempt, exc)
                    stop.wait(0.05 * 2**attempt)
                    continue
                log.exception("%s: giving up on offset %s", self.name, record.offset)
                reason = f"handler failed after {attempt} attempts: {exc!r}"
            if reason is not None:
                self._dead_letter(record, reason, stop)
            return

    def _dead_letter(self, record: Any, reason: str, stop: threading.Event) -> None:
        """Publish the dead letter, waiting out a broker outage: the offset is committed
        only after, so a message is never dropped without its dead letter."""
        log.error(
            "%s: dead-lettering %s[%s]@%s: %s",
            self.name,
            record.topic,
            record.partition,
            record.offset,
            reason_of(reason),
        )
        value = dead_letter_value(
            record.value or b"", reason, self.name, record.topic, record.partition, record.offset
        )
        key = record.key.decode("utf-8", errors="replace") if record.key else ""
        attempt = 0
        while not stop.is_set():
            attempt += 1
            try:
                self._dead_letters.publish(topic_of(record.topic), key, value)
                self._dead_letters.flush()
            except Exception as exc:
                if self._tracker.report(exc) is None:
                    log.warning("%s: dead letter not published (attempt %d): %r", self.name, attempt, exc)
                stop.wait(self._backoff.delay(attempt))
                continue
            self._tracker.back(BROKER)
            DEAD_LETTERS.labels(self.name, record.topic).inc()
            return
