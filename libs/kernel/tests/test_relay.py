import json
import threading
import time

import pytest

from kernel.eventsourcing.envelope import Envelope, Metadata, NewEvent
from kernel.eventsourcing.memory_store import InMemoryEventStore
from kernel.eventsourcing.publishers import InMemoryPublisher
from kernel.eventsourcing.relay import InMemoryCheckpoints, OutboxRelay, route_by_stream_category

ROUTES = route_by_stream_category({"inquiry": "intake.inquiry.v1", "case": "business_desk.case.v1"})


class FlakyPublisher(InMemoryPublisher):
    def __init__(self, fail_times: int) -> None:
        super().__init__()
        self.fail_times = fail_times

    def flush(self):
        if self.fail_times:
            self.fail_times -= 1
            self.refuse_unflushed()  # nothing of this batch was acknowledged
            raise ConnectionError("broker unavailable")
        return super().flush()


def fill(store: InMemoryEventStore) -> None:
    store.append("inquiry-1", 0, [NewEvent("intake.a", {})], Metadata.new())
    store.append(
        "case-1", 0, [NewEvent("business_desk.b", {}), NewEvent("business_desk.c", {})], Metadata.new()
    )
    store.append("inquiry-1", 1, [NewEvent("intake.d", {})], Metadata.new())


def test_publishes_in_store_order_keyed_by_stream_to_the_owners_topic():
    store, publisher = InMemoryEventStore(), InMemoryPublisher()
    fill(store)
    relay = OutboxRelay("r", store, publisher, InMemoryCheckpoints(), ROUTES)
    assert relay.run_once() == 4
    assert [(topic, key) for topic, key, _ in publisher.messages] == [
        ("intake.inquiry.v1", "inquiry-1"),
        ("business_desk.case.v1", "case-1"),
        ("business_desk.case.v1", "case-1"),
        ("intake.inquiry.v1", "inquiry-1"),
    ]
    assert [Envelope.from_json(v).type for _, _, v in publisher.messages] == [
        "intake.a",
        "business_desk.b",
        "business_desk.c",
        "intake.d",
    ]
    assert relay.run_once() == 0


def test_resumes_from_the_saved_position_after_a_restart():
    store, checkpoints = InMemoryEventStore(), InMemoryCheckpoints()
    fill(store)
    OutboxRelay("r", store, InMemoryPublisher(), checkpoints, ROUTES, batch_size=2).run_once()
    publisher = InMemoryPublisher()
    restarted = OutboxRelay("r", store, publisher, checkpoints, ROUTES, batch_size=2)
    while restarted.run_once():
        pass
    assert [Envelope.from_json(v).type for _, _, v in publisher.messages] == ["business_desk.c", "intake.d"]


def test_a_failed_publish_does_not_move_the_position_so_nothing_is_skipped():
    store, checkpoints = InMemoryEventStore(), InMemoryCheckpoints()
    fill(store)
    publisher = FlakyPublisher(fail_times=1)
    relay = OutboxRelay("r", store, publisher, checkpoints, ROUTES)
    with pytest.raises(ConnectionError):
        relay.run_once()
    assert checkpoints.load("r") == 0
    assert relay.run_once() == 4
    assert len(publisher.messages) == 4


def test_an_event_that_can_never_be_published_is_dead_lettered_with_its_reason_and_the_rest_go_on():
    store, publisher = InMemoryEventStore(), InMemoryPublisher()
    store.append("voucher-1", 0, [NewEvent("vouchers.x", {})], Metadata.new())  # no topic for it
    store.append("inquiry-1", 0, [NewEvent("intake.big", {"text": "x" * 2_000})], Metadata.new())
    store.append("inquiry-2", 0, [NewEvent("intake.a", {})], Metadata.new())
    relay = OutboxRelay("r", store, publisher, InMemoryCheckpoints(), ROUTES, max_message_bytes=1_500)
    assert relay.run_once() == 3
    topics = [topic for topic, _, _ in publisher.messages]
    assert topics == ["r.dlq", "intake.inquiry.v1.dlq", "intake.inquiry.v1"]
    no_topic, too_big = (json.loads(value) for _, _, value in publisher.messages[:2])
    assert "voucher" in no_topic["reason"] and no_topic["type"] == "vouchers.x"
    assert "more than a message may hold" in too_big["reason"] and too_big["position"] == 2
    assert Envelope.from_json(publisher.messages[2][2]).type == "intake.a"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def relay_and_clock(store, publisher, checkpoints=None):
    clock = Clock()
    relay = OutboxRelay("r", store, publisher, checkpoints or InMemoryCheckpoints(), ROUTES, clock=clock)
    return relay, clock


def types_on(publisher: InMemoryPublisher, topic: str) -> list[str]:
    return [Envelope.from_json(v).type for t, _, v in publisher.messages if t == topic]


def test_messages_the_broker_lost_after_acknowledging_them_are_published_again_when_idle():
    store, publisher, checkpoints = InMemoryEventStore(), InMemoryPublisher(), InMemoryCheckpoints()
    fill(store)
    relay, clock = relay_and_clock(store, publisher, checkpoints)
    assert relay.run_once() == 4
    publisher.lose_tail("business_desk.case.v1", 1)  # the broker restarts without business_desk.c
    clock.now += 2  # the relay is idle: it looks at the end offsets now and then
    assert relay.run_once() < 0  # it went back
    assert checkpoints.load("r") == 2  # a restarted relay would publish them again too
    while relay.run_once() > 0:
        pass
    assert types_on(publisher, "business_desk.case.v1") == ["business_desk.b", "business_desk.c"]
    assert types_on(publisher, "intake.inquiry.v1") == ["intake.a", "intake.d", "intake.d"]
    assert checkpoints.load("r") == 4


def test_a_new_event_does_not_take_the_place_of_a_lost_one():
    store, publisher = InMemoryEventStore(), InMemoryPublisher()
    fill(store)
    relay, _ = relay_and_clock(store, publisher)
    relay.run_once()
    publisher.lose_tail("business_desk.case.v1", 2)
    store.append("case-1", 2, [NewEvent("business_desk.e", {})], Metadata.new())
    while relay.run_once():
        pass
    # checked before the new event was published: the lost ones go first, in their order
    assert types_on(publisher, "business_desk.case.v1") == [
        "business_desk.b",
        "business_desk.c",
        "business_desk.e",
    ]


class LosesTailBeforeFlush(InMemoryPublisher):
    """A broker that restarts without its tail after the relay looked at its end offsets."""

    def __init__(self) -> None:
        super().__init__()
        self.lose: tuple[str, int] | None = None

    def flush(self):
        if self.lose:
            unflushed = list(self._unflushed)
            self.refuse_unflushed()
            self.lose_tail(*self.lose)
            self.messages.extend(unflushed)
            self._unflushed, self.lose = unflushed, None
        return super().flush()


def test_a_loss_noticed_from_the_acknowledgements_alone_goes_back_too():
    store, publisher = InMemoryEventStore(), LosesTailBeforeFlush()
    fill(store)
    relay, _ = relay_and_clock(store, publisher)
    relay.run_once()
    publisher.lose = ("business_desk.case.v1", 2)
    store.append("case-1", 2, [NewEvent("business_desk.e", {})], Metadata.new())
    assert relay.run_once() < 0  # business_desk.e got offset 0 again: the broker lost 0 and 1
    while relay.run_once() > 0:
        pass
    assert types_on(publisher, "business_desk.case.v1") == [
        "business_desk.e",
        "business_desk.b",
        "business_desk.c",
        "business_desk.e",
    ]


class CountingStore(InMemoryEventStore):
    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    def read_settled_after(self, position, limit=500):
        self.reads += 1
        return super().read_settled_after(position, limit)


def test_an_idle_relay_polls_less_and_less_and_still_publishes_what_comes():
    store, publisher = CountingStore(), InMemoryPublisher()
    relay = OutboxRelay("r", store, publisher, InMemoryCheckpoints(), ROUTES)
    stop = threading.Event()
    thread = threading.Thread(
        target=relay.run_forever,
        args=(stop,),
        kwargs={"idle_max_s": 0.02, "idle_long_after_s": 0.3, "idle_long_max_s": 0.4},
    )
    thread.start()
    try:
        time.sleep(1.5)
        # at 0.02 s a round it would be some 75 reads; quiet after 0.3 s, it spaces them out
        assert store.reads < 40
        store.append("inquiry-1", 0, [NewEvent("intake.a", {})], Metadata.new())
        deadline = time.monotonic() + 2
        while not publisher.messages and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(publisher.messages) == 1  # within the longest pause
    finally:
        stop.set()
        thread.join(5)
