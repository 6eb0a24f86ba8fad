import contextlib
import json
import threading
import time
import uuid

from kernel.eventsourcing.consumer import ConsumerLoop
from kernel.eventsourcing.contracts import golden_example
from kernel.eventsourcing.deadletters import MAX_ORIGINAL_BYTES, MAX_REASON_CHARS
from kernel.eventsourcing.inbox import InMemoryInbox
from kernel.eventsourcing.processor import MessageProcessor, MessageRejected, dead_letter_value
from kernel.eventsourcing.publishers import InMemoryPublisher
from kernel.privacy.personal import InMemoryKeyVault, PersonalData

PERSONAL = PersonalData(InMemoryKeyVault())


def processor(handlers, check_contract=True):
    return MessageProcessor(InMemoryInbox(), handlers, check_contract=check_contract, personal=PERSONAL)


def golden_bytes(event_type: str) -> bytes:
    return json.dumps(golden_example(event_type, personal=PERSONAL)).encode()


def test_a_message_delivered_twice_has_one_effect():
    effects = []
    p = processor({"intake.inquiry_submitted": lambda e, s: effects.append(e.event_id)})
    raw = golden_bytes("intake.inquiry_submitted")
    assert p.process(raw) is None
    assert p.process(raw) is None
    assert len(effects) == 1


def test_messages_that_cannot_be_read_are_dead_lettered_with_the_reason():
    p = processor({"intake.inquiry_submitted": lambda e, s: None})
    assert "invalid envelope: not JSON" in p.process(b"{oops")
    assert "missing envelope fields" in p.process(b'{"type": "intake.inquiry_submitted"}')


def test_events_breaking_their_contract_are_dead_lettered():
    raw = golden_example("intake.inquiry_submitted", personal=PERSONAL)
    raw["data"]["received_on"] = 42
    reason = processor({"intake.inquiry_submitted": lambda e, s: None}).process(json.dumps(raw).encode())
    assert reason.startswith("contract violation") and "received_on" in reason


def test_handlers_get_personal_data_opened_and_none_once_the_subject_is_erased():
    seen = []
    p = processor({"intake.inquiry_submitted": lambda e, s: seen.append(e.data["personal"])})
    raw = golden_example("intake.inquiry_submitted", personal=PERSONAL)
    assert raw["data"]["personal"].startswith("v1.") and "Anna" not in json.dumps(raw)
    p.process(json.dumps(raw).encode())
    PERSONAL.vault.erase(raw["data"]["subject_id"], "test")
    raw["event_id"] = str(uuid.uuid4())
    p.process(json.dumps(raw).encode())
    assert seen[0]["contact"]["name"] == "Anna Berg" and seen[1] is None
    PERSONAL.vault.keys.pop(raw["data"]["subject_id"])


def test_a_tampered_sealed_field_is_dead_lettered():
    raw = golden_example("intake.inquiry_submitted", personal=PERSONAL)
    sealed = raw["data"]["personal"]
    raw["data"]["personal"] = sealed[:-4] + ("AAAA" if not sealed.endswith("AAAA") else "BBBB")
    reason = processor({"intake.inquiry_submitted": lambda e, s: None}).process(json.dumps(raw).encode())
    assert reason.startswith("personal data cannot be opened")


def test_a_handler_can_reject_a_poison_message():
    def reject(event, session):
        raise MessageRejected("unknown case type")

    reason = processor({"intake.inquiry_submitted": reject}).process(golden_bytes("intake.inquiry_submitted"))
    assert reason == "rejected: unknown case type"


def test_a_failed_handler_leaves_the_message_unprocessed_for_a_retry():
    calls = []

    def flaky(event, session):
        calls.append(1)
        if len(calls) == 1:
            raise TimeoutError("store busy")

    p = processor({"intake.inquiry_submitted": flaky})
    raw = golden_bytes("intake.inquiry_submitted")
    with contextlib.suppress(TimeoutError):
        p.process(raw)
    assert p.process(raw) is None
    assert len(calls) == 2


def test_events_nobody_here_handles_are_skipped():
    assert processor({}).process(golden_bytes("business_desk.case_claimed")) is None


def test_dead_letter_records_the_reason_and_the_original():
    record = json.loads(dead_letter_value(b"{oops", "invalid envelope", "intake", "t.v1", 0, 7))
    assert record["reason"] == "invalid envelope" and record["original"] == "{oops" and record["offset"] == 7


def envelope_bytes(name: str) -> bytes:
    raw = golden_example("intake.inquiry_submitted", personal=PERSONAL)
    raw["event_id"] = event_id(name)
    return json.dumps(raw).encode()


def event_id(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, name))


def test_a_batch_applies_each_message_once_even_when_it_comes_twice():
    effects = []
    p = processor({"intake.inquiry_submitted": lambda e, s: effects.append(e.event_id)})
    first, second = envelope_bytes("e-1"), envelope_bytes("e-2")
    assert p.process_all([first, second, first]) is True
    assert p.process_all([second]) is True
    assert effects == [event_id("e-1"), event_id("e-2")]


def test_a_batch_with_a_bad_message_is_refused_so_it_can_go_one_by_one():
    effects = []
    p = processor({"intake.inquiry_submitted": lambda e, s: effects.append(e.event_id)})
    assert p.process_all([envelope_bytes("e-1"), b"{oops"]) is False
    assert [p.process(raw) for raw in (envelope_bytes("e-1"), b"{oops")][1].startswith("invalid envelope")
    assert effects == [event_id("e-1")]


class Record:
    """What the loop reads of a Kafka record."""

    def __init__(self, value: bytes | None, key: bytes | None = None, offset: int = 0) -> None:
        self.value, self.key, self.offset = value, key, offset
        self.topic, self.partition = "t.v1", 0


class FlakyDeadLetters(InMemoryPublisher):
    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures

    def flush(self):
        if self.failures:
            self.failures -= 1
            self.refuse_unflushed()
            raise ConnectionError("broker away")
        return super().flush()


def loop_with(handlers, dead_letters=None, **kwargs):
    return ConsumerLoop("c", None, processor(handlers), dead_letters or InMemoryPublisher(), **kwargs)


def test_tombstones_broken_keys_and_garbage_are_dead_lettered_and_the_next_message_is_processed():
    effects = []
    dead = InMemoryPublisher()
    loop = loop_with({"intake.inquiry_submitted": lambda e, s: effects.append(e.event_id)}, dead)
    records = [Record(None), Record(b"\xff\xfe", key=b"\xff"), Record(b"[]"), Record(envelope_bytes("ok"))]
    loop.handle(records, threading.Event())
    assert effects == [event_id("ok")]
    assert [topic for topic, _, _ in dead.messages] == ["t.v1.dlq"] * 3
    assert all(json.loads(value)["reason"] for _, _, value in dead.messages)


def test_a_handler_that_always_fails_is_dead_lettered_after_its_attempts_and_the_next_goes_on():
    effects = []

    def handler(event, session):
        if event.event_id == event_id("poison"):
            raise KeyError("provider_name")
        effects.append(event.event_id)

    dead = InMemoryPublisher()
    loop = loop_with({"intake.inquiry_submitted": handler}, dead, max_attempts=2)
    loop.handle([Record(envelope_bytes("poison")), Record(envelope_bytes("next"))], threading.Event())
    assert effects == [event_id("next")]
    [(_, _, value)] = dead.messages
    assert "handler failed after 2 attempts" in json.loads(value)["reason"]


def test_a_dead_letter_waits_out_a_broker_outage_rather_than_being_dropped():
    dead = FlakyDeadLetters(failures=2)
    loop_with({"intake.inquiry_submitted": lambda e, s: None}, dead).handle(
        [Record(b"{oops")], threading.Event()
    )
    assert len(dead.messages) == 1 and dead.failures == 0


def test_a_dead_letter_of_a_huge_message_stays_small():
    record = json.loads(dead_letter_value(b"x" * 2_000_000, "r" * 10_000, "c", "t", 0, 1))
    assert len(record["original"]) == MAX_ORIGINAL_BYTES and record["original_truncated"] is True
    assert len(record["reason"]) == MAX_REASON_CHARS and record["original_bytes"] == 2_000_000


class IdleConsumer:
    """A consumer in its group that never gets a message: counts its polls."""

    def __init__(self) -> None:
        self.polls = 0

    def poll(self, timeout_ms: int = 0):
        self.polls += 1
        return {}

    def assignment(self):
        return {("t.v1", 0)}

    def close(self, autocommit: bool = False) -> None:
        pass


def test_an_idle_consumer_polls_less_and_less_once_nothing_came_for_a_while():
    consumer = IdleConsumer()
    loop = ConsumerLoop(
        "c",
        consumer,
        processor({}),
        InMemoryPublisher(),
        idle_max_s=0.02,
        idle_long_after_s=0.3,
        idle_long_max_s=0.3,
    )
    stop = threading.Event()
    thread = threading.Thread(target=loop.run, args=(stop,))
    thread.start()
    time.sleep(1.2)
    stop.set()
    thread.join(5)
    assert not thread.is_alive()
    # at 0.02 s a poll it would be some 60; after 0.3 s quiet, one each 0.3 s
    assert 5 < consumer.polls < 35


class Coordinator:
    unknown = False

    def coordinator_unknown(self) -> bool:
        return self.unknown


class GroupConsumer(IdleConsumer):
    def __init__(self) -> None:
        super().__init__()
        self._coordinator = Coordinator()


def test_a_broker_outage_is_told_once_though_the_coordinator_is_found_late_after_it(monkeypatch, caplog):
    from kernel.eventsourcing import consumer as module
    from kernel.platform.dependencies import BROKER, DependencyTracker

    now = [100.0]
    monkeypatch.setattr(module.time, "monotonic", lambda: now[0])
    tracker = DependencyTracker(clock=lambda: now[0])
    group = GroupConsumer()
    loop = ConsumerLoop("c", group, processor({}), InMemoryPublisher(), tracker=tracker)

    group._coordinator.unknown = True
    loop._watch_the_group()
    tracker.away(BROKER, "ConnectionError")  # a poll met the broker gone
    for _ in range(20):  # down for 20 s, the coordinator unknown all along
        now[0] += 1
        loop._watch_the_group()
    tracker.back(BROKER)  # the broker answers again (a probe of /readyz)
    now[0] += 1
    loop._watch_the_group()  # the client has not found the coordinator yet: no new outage
    now[0] += 1
    group._coordinator.unknown = False
    loop._watch_the_group()
    assert [r.getMessage().split(":")[0] for r in caplog.records if "broker" in r.getMessage()] == [
        "broker unreachable",
        "broker back after 20.0 s",
    ]

    group._coordinator.unknown = True  # and a coordinator lost with the broker answering is told
    loop._watch_the_group()
    now[0] += module.COORDINATOR_GRACE_S
    loop._watch_the_group()
    assert tracker.is_away(BROKER)
