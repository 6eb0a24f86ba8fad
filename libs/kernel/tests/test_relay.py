import json

import pytest

from kernel.envelope import Envelope, Metadata, NewEvent
from kernel.eventstore import InMemoryEventStore
from kernel.publishers import InMemoryPublisher
from kernel.relay import InMemoryCheckpoints, OutboxRelay, route_by_stream_category

ROUTES = route_by_stream_category({"inquiry": "intake.inquiry.v1", "case": "business_desk.case.v1"})


class FlakyPublisher(InMemoryPublisher):
    def __init__(self, fail_times: int) -> None:
        super().__init__()
        self.fail_times = fail_times

    def flush(self) -> None:
        if self.fail_times:
            self.fail_times -= 1
            self.messages.clear()  # nothing of this batch was acknowledged
            raise ConnectionError("broker unavailable")


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
