"""The backoff, the retry loop and the dependency tracker, with fakes for the clock, the
stop event and the failing dependency."""

from __future__ import annotations

import json
import logging
import smtplib
import threading
import uuid

import pytest
from kafka.errors import CommitFailedError, KafkaTimeoutError
from pymongo.errors import AutoReconnect, DuplicateKeyError, OperationFailure, ServerSelectionTimeoutError

from kernel.eventsourcing.consumer import ConsumerLoop
from kernel.eventsourcing.contracts import golden_example
from kernel.eventsourcing.inbox import InMemoryInbox
from kernel.eventsourcing.processor import MessageProcessor
from kernel.eventsourcing.publishers import InMemoryPublisher
from kernel.platform.dependencies import (
    BROKER,
    SMTP,
    STORE,
    DependencyTracker,
    DependencyUnavailable,
    dependency_of,
    readiness,
    reason_of,
)
from kernel.platform.retry import Backoff, RetryGate, Stopped, call_through_outages
from kernel.privacy.personal import InMemoryKeyVault, PersonalData

PERSONAL = PersonalData(InMemoryKeyVault())


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Stop(threading.Event):
    """A stop event whose waits take no time: it records them, and the clock moves on."""

    def __init__(self, clock: Clock | None = None, stop_after_waits: int | None = None) -> None:
        super().__init__()
        self.waits: list[float] = []
        self._clock = clock
        self._stop_after = stop_after_waits

    def wait(self, timeout: float | None = None) -> bool:
        self.waits.append(timeout or 0.0)
        if self._clock is not None:
            self._clock.now += timeout or 0.0
        if self._stop_after is not None and len(self.waits) >= self._stop_after:
            self.set()
        return self.is_set()


class Failing:
    """A call that fails `times` times with `error`, then answers."""

    def __init__(self, times: int, error: Exception, result: object = "done") -> None:
        self.times, self.error, self.result, self.calls = times, error, result, 0

    def __call__(self) -> object:
        self.calls += 1
        if self.calls <= self.times:
            raise self.error
        return self.result


@pytest.fixture
def tracked(caplog):
    clock = Clock()
    caplog.set_level(logging.INFO, logger="test.dependencies")
    tracker = DependencyTracker(logging.getLogger("test.dependencies"), clock)

    def lines() -> list[str]:
        return [r.getMessage() for r in caplog.records if r.name == "test.dependencies"]

    return tracker, clock, lines


def test_errors_name_the_dependency_that_is_away_and_refusals_are_no_outage():
    assert dependency_of(ServerSelectionTimeoutError("no servers")) == STORE
    assert dependency_of(AutoReconnect("connection closed")) == STORE
    assert dependency_of(OperationFailure("shutting down", code=91)) == STORE
    assert dependency_of(KafkaTimeoutError("metadata")) == BROKER
    assert dependency_of(DependencyUnavailable(SMTP, "refused")) == SMTP
    for refusal in (
        DuplicateKeyError("E11000"),
        OperationFailure("bad query", code=2),
        CommitFailedError("rebalanced"),
        ValueError("a bug"),
        smtplib.SMTPRecipientsRefused({}),
    ):
        assert dependency_of(refusal) is None, refusal


def test_a_reason_is_one_short_line():
    long = ServerSelectionTimeoutError("127.0.0.1:1: refused, Timeout: 1s\n" + "Topology " * 100)
    reason = reason_of(long)
    assert "\n" not in reason and len(reason) <= 160 and reason.startswith("ServerSelectionTimeoutError")


def test_the_tracker_logs_one_line_when_a_dependency_goes_and_one_when_it_is_back(tracked):
    tracker, clock, lines = tracked
    for _ in range(50):  # every retry of a loop reports it
        tracker.away(STORE, "connection refused")
    clock.now += 10.2
    for _ in range(50):
        tracker.back(STORE)
    tracker.back(BROKER)  # was never away: nothing to say
    assert lines() == ["store unreachable: connection refused", "store back after 10.2 s"]
    assert tracker.outages() == {}


def test_readyz_is_503_naming_what_is_away_and_200_once_it_is_back(tracked):
    tracker, clock, lines = tracked
    up = {STORE: False, SMTP: False}

    def ping() -> None:
        if not up[STORE]:
            raise ServerSelectionTimeoutError("127.0.0.1:1: [Errno 111] Connection refused")

    def smtp_probe() -> None:
        if not up[SMTP]:
            raise DependencyUnavailable(SMTP, "[Errno 111] Connection refused")

    tracker.report(DependencyUnavailable(SMTP, "[Errno 111] Connection refused", probe=smtp_probe))
    body, status = readiness({STORE: ping}, tracker)
    assert status == 503 and body["status"] == "not ready"
    assert body["checks"][STORE].startswith("failing: ServerSelectionTimeoutError")
    assert body["checks"][SMTP].startswith("failing: [Errno 111] Connection refused")
    readiness({STORE: ping}, tracker)  # asked again while still away: no new line
    up[STORE] = True
    clock.now += 3
    body, status = readiness({STORE: ping}, tracker)
    assert status == 503 and body["checks"][STORE] == "ok" and body["checks"][SMTP].startswith("failing")
    up[SMTP] = True
    clock.now += 1
    body, status = readiness({STORE: ping}, tracker)
    assert status == 200 and body == {"status": "ready", "checks": {STORE: "ok", SMTP: "ok"}}
    assert readiness({STORE: ping}, tracker) == ({"status": "ready", "checks": {STORE: "ok"}}, 200)
    assert lines() == [
        "smtp unreachable: [Errno 111] Connection refused",
        "store unreachable: ServerSelectionTimeoutError: 127.0.0.1:1: [Errno 111] Connection refused",
        "store back after 3.0 s",
        "smtp back after 4.0 s",
    ]


def test_backoff_grows_exponentially_with_jitter_up_to_its_cap():
    backoff = Backoff(initial_s=0.1, max_s=2.0, floor_s=0.05)
    for attempt in range(1, 30):
        ceiling = 0.05 + min(0.1 * 2**attempt, 2.0)
        delays = [backoff.delay(attempt) for _ in range(20)]
        assert all(0.05 <= d <= ceiling + 1e-9 for d in delays), (attempt, delays)
    late = [backoff.delay(25) for _ in range(200)]
    assert max(late) > 1.0 and len({round(d, 6) for d in late}) > 150  # spread, not in lockstep


def test_a_call_is_retried_through_an_outage_with_growing_waits_and_two_log_lines(tracked):
    tracker, clock, lines = tracked
    stop = Stop(clock)
    call = Failing(8, ServerSelectionTimeoutError("127.0.0.1:1: Connection refused"), result=42)
    assert call_through_outages(call, stop, Backoff(0.1, 5.0, 0.0), tracker) == 42
    assert call.calls == 9 and len(stop.waits) == 8
    assert all(w <= min(0.1 * 2 ** (i + 1), 5.0) + 1e-9 for i, w in enumerate(stop.waits))
    assert lines()[0].startswith("store unreachable: ServerSelectionTimeoutError")
    assert lines()[1].startswith("store back after") and len(lines()) == 2


def test_an_error_that_is_no_outage_is_not_retried(tracked):
    tracker, _, lines = tracked
    call = Failing(1, ValueError("a bug"))
    with pytest.raises(ValueError):
        call_through_outages(call, Stop(), Backoff(), tracker)
    assert call.calls == 1 and lines() == []


def test_a_stop_request_ends_the_wait_for_a_dependency(tracked):
    tracker, clock, _ = tracked
    stop = Stop(clock, stop_after_waits=3)
    call = Failing(1_000, AutoReconnect("gone"))
    with pytest.raises(Stopped):
        call_through_outages(call, stop, Backoff(), tracker)
    assert call.calls == 3 and tracker.is_away(STORE)


def turns_until_it_works(gate: RetryGate, step, clock: Clock, turn_s: float = 0.05) -> int:
    """Turn the loop (every `turn_s`) until the gated step succeeds; how many turns it took."""
    for turn in range(1, 10_000):
        if gate.run(step):
            return turn
        clock.now += turn_s
    raise AssertionError("the step never ran again")


def test_the_gate_holds_a_failing_step_for_its_backoff_while_the_loop_goes_on(tracked, caplog):
    tracker, clock, lines = tracked
    caplog.set_level(logging.INFO, logger="kernel.platform.retry")
    gate = RetryGate("dispatch", Backoff(1.0, 8.0, 0.5), tracker, clock)
    step = Failing(3, DependencyUnavailable(SMTP, "refused"))
    turns = turns_until_it_works(gate, step, clock)
    assert step.calls == 4 and turns >= 3 * 0.5 / 0.05  # three failures, each waited out (>= 0.5 s)
    assert gate.failures == 0
    assert lines() == ["smtp unreachable: refused"]  # back is told by the SMTP adapter on success

    bug = RetryGate("dispatch", Backoff(1.0, 8.0, 0.5), tracker, clock)
    broken = Failing(5, KeyError("template"))
    turns_until_it_works(bug, broken, clock)
    tracebacks = [r for r in caplog.records if r.name == "kernel.platform.retry" and r.exc_info]
    assert broken.calls == 6 and len(tracebacks) == 1  # one traceback, not one per retry
    assert any("works again after 5 failures" in r.getMessage() for r in caplog.records)


def test_a_step_stopped_while_it_waited_for_a_dependency_stops_the_loop(tracked, caplog):
    """notify's dispatcher waits for the store to record a sent mail; SIGTERM ends that wait
    (Stopped), and the gate passes it on to the loop rather than retrying the step."""
    tracker, clock, _ = tracked
    gate = RetryGate("dispatch", Backoff(1.0, 8.0, 0.5), tracker, clock)
    with pytest.raises(Stopped):
        gate.run(Failing(1, Stopped()))
    assert gate.failures == 0 and not [r for r in caplog.records if r.exc_info]


class Record:
    def __init__(self, value: bytes, offset: int = 0) -> None:
        self.value, self.key, self.offset = value, None, offset
        self.topic, self.partition = "t.v1", 0


class StoreAwayThenBack(InMemoryInbox):
    """An inbox on a store that is unreachable for the first `outage` calls."""

    def __init__(self, outage: int) -> None:
        super().__init__()
        self.outage = outage

    def process_once(self, event_id, effect):
        if self.outage:
            self.outage -= 1
            raise ServerSelectionTimeoutError("store away")
        return super().process_once(event_id, effect)

    def process_all(self, items):
        if self.outage:
            self.outage -= 1
            raise AutoReconnect("store away")
        return super().process_all(items)


def envelope(n: int) -> bytes:
    raw = golden_example("intake.inquiry_submitted", personal=PERSONAL)
    raw["event_id"] = str(uuid.UUID(int=n))
    return json.dumps(raw).encode()


def test_a_consumer_waits_out_the_store_and_then_processes_every_message_once_none_dead_lettered(tracked):
    tracker, clock, lines = tracked
    effects = []
    inbox = StoreAwayThenBack(outage=30)
    processor = MessageProcessor(
        inbox, {"intake.inquiry_submitted": lambda e, s: effects.append(e.event_id)}, personal=PERSONAL
    )
    dead = InMemoryPublisher()
    loop = ConsumerLoop(
        "c", None, processor, dead, max_attempts=2, tracker=tracker, backoff=Backoff(0.01, 0.1, 0.0)
    )
    records = [Record(envelope(n), offset=n) for n in range(5)]
    loop.handle(records, Stop(clock))
    assert effects == [str(uuid.UUID(int=n)) for n in range(5)]  # in order, each once
    assert dead.messages == []  # an outage is no reason to give a message up
    assert len(lines()) == 2
    assert lines()[0] == "store unreachable: AutoReconnect: store away"
    assert lines()[1].startswith("store back after")
