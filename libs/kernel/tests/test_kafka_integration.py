"""The relay and the consumer loop on the embedded Kafka-protocol broker and MongoDB store."""

from __future__ import annotations

import json
import time

import pytest
from kafka import KafkaConsumer, TopicPartition

from kernel.eventsourcing.consumer import ConsumerLoop
from kernel.eventsourcing.contracts import golden_example
from kernel.eventsourcing.envelope import Metadata, NewEvent
from kernel.eventsourcing.inbox import MongoInbox
from kernel.eventsourcing.mongo_store import MongoEventStore
from kernel.eventsourcing.processor import MessageProcessor
from kernel.eventsourcing.publishers import KafkaPublisher
from kernel.eventsourcing.relay import MongoCheckpoints, OutboxRelay, route_by_stream_category
from kernel.platform.connections import kafka_consumer, kafka_producer, mongo_client
from kernel.platform.runners import background

pytestmark = pytest.mark.integration


def read_topic(settings, topic: str, expected: int, timeout_s: float = 20.0) -> list:
    consumer = kafka_consumer(settings, f"reader-{time.monotonic_ns()}", [topic])
    records: list = []
    deadline = time.monotonic() + timeout_s
    try:
        while len(records) < expected and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=300).values():
                records.extend(batch)
    finally:
        consumer.close()
    return records


def wait_for(predicate, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def test_relay_publishes_every_event_once_in_order_and_resumes_after_restart(settings_for):
    settings = settings_for("kernel_test")
    db = mongo_client(settings)[settings.database]
    store = MongoEventStore(db)
    store.ensure_schema()
    topic = settings.topic("test.stream.v1")
    for n in range(30):
        store.append(f"stream-{n % 3}", n // 3, [NewEvent("test.happened", {"n": n})], Metadata.new())

    def relay() -> OutboxRelay:
        return OutboxRelay(
            "relay",
            store,
            KafkaPublisher(kafka_producer(settings)),
            MongoCheckpoints(db),
            route_by_stream_category({"stream": topic}),
            batch_size=10,
        )

    assert relay().run_once() == 10  # then the relay "crashes"
    restarted = relay()
    while restarted.run_once():
        pass
    records = read_topic(settings, topic, 30)
    numbers = [json.loads(r.value)["data"]["n"] for r in records]
    assert sorted(numbers) == list(range(30))  # none lost, none twice
    for key in (b"stream-0", b"stream-1", b"stream-2"):
        per_stream = [json.loads(r.value)["data"]["n"] for r in records if r.key == key]
        assert per_stream == sorted(per_stream)  # each stream stays in order


def test_consumer_applies_a_redelivered_message_once_and_dead_letters_poison(settings_for, wire):
    settings = settings_for("kernel_test")
    db = mongo_client(settings)[settings.database]
    topic = settings.topic("intake.inquiry.v1")
    effects = db["effects"]

    def handler(event, session):
        effects.insert_one({"event_id": event.event_id}, session=session)

    producer = kafka_producer(settings)
    good = wire(golden_example("intake.inquiry_submitted"))
    for value in (good, good, b"{not json"):
        producer.send(topic, key=b"inquiry-x", value=value)
    producer.flush()
    producer.close()

    loop = ConsumerLoop(
        "kernel_test",
        kafka_consumer(settings, f"{settings.topic_prefix}kernel_test", [topic]),
        MessageProcessor(MongoInbox(db, "kernel_test"), {"intake.inquiry_submitted": handler}),
        KafkaPublisher(kafka_producer(settings)),
    )
    thread, stop = background(loop.run)
    try:
        dead = read_topic(settings, f"{topic}.dlq", 1)
        wait_for(lambda: effects.count_documents({}) >= 1)
        time.sleep(0.5)
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive(), "the consumer did not stop cleanly"
    assert effects.count_documents({}) == 1
    assert len(dead) == 1
    record = json.loads(dead[0].value)
    assert record["reason"].startswith("invalid envelope") and record["original"] == "{not json"


def test_work_after_a_batch_that_fails_does_not_stop_the_consumer(settings_for, wire):
    settings = settings_for("kernel_test")
    db = mongo_client(settings)[settings.database]
    topic = settings.topic("intake.inquiry.v1")
    effects, rounds = db["effects"], []

    def after_batch() -> None:
        rounds.append(1)
        raise ValueError("Header values may not contain linefeed or carriage return characters")

    loop = ConsumerLoop(
        "kernel_test",
        kafka_consumer(settings, f"{settings.topic_prefix}kernel_test", [topic]),
        MessageProcessor(
            MongoInbox(db, "kernel_test"),
            {"intake.inquiry_submitted": lambda e, s: effects.insert_one({"id": e.event_id}, session=s)},
        ),
        KafkaPublisher(kafka_producer(settings)),
        after_batch=after_batch,
    )
    thread, stop = background(loop.run)
    producer = kafka_producer(settings)
    try:
        for n in range(3):
            raw = golden_example("intake.inquiry_submitted")
            raw["event_id"] = f"00000000-0000-4000-8000-00000000000{n}"
            producer.send(topic, key=b"inquiry-x", value=wire(raw))
            producer.flush()
            wait_for(lambda n=n: effects.count_documents({}) == n + 1)
        # the failing step waits its backoff between tries: it is tried again, not given up
        wait_for(lambda: len(rounds) >= 3)
    finally:
        producer.close()
        stop.set()
        thread.join(10)
    assert not thread.is_alive()


def test_a_batch_cut_short_is_polled_again_from_its_first_unhandled_record(settings_for, wire):
    """With no time to finish a batch (a member must poll again before the group's
    deadline), the loop handles a chunk per poll and rewinds: every record once, in order."""
    settings = settings_for("kernel_test")
    db = mongo_client(settings)[settings.database]
    topic = settings.topic("intake.inquiry.v1")
    effects = db["effects"]
    producer = kafka_producer(settings)
    for n in range(60):
        raw = golden_example("intake.inquiry_submitted")
        raw["event_id"] = f"00000000-0000-4000-8000-{n:012d}"
        producer.send(topic, key=b"inquiry-x", value=wire(raw))
    producer.flush()
    producer.close()

    def handler(event, session) -> None:
        last = effects.find_one({}, sort=[("n", -1)], session=session)
        effects.insert_one(
            {"n": int(event.event_id[-12:]), "after": last["n"] if last else None}, session=session
        )

    group = f"{settings.topic_prefix}kernel_test"
    loop = ConsumerLoop(
        "kernel_test",
        kafka_consumer(settings, group, [topic]),
        MessageProcessor(MongoInbox(db, "kernel_test"), {"intake.inquiry_submitted": handler}),
        KafkaPublisher(kafka_producer(settings)),
        chunk_size=5,
    )
    loop.batch_budget_s = 0.0
    thread, stop = background(loop.run)
    try:
        wait_for(lambda: effects.count_documents({}) >= 60, 60)
    finally:
        stop.set()
        thread.join(10)
    done = sorted(effects.find({}, {"_id": 0}), key=lambda d: d["n"])
    assert [d["n"] for d in done] == list(range(60))
    assert [d["after"] for d in done] == [None, *range(59)]  # each after the one before it
    reader = KafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers, group_id=group, enable_auto_commit=False
    )
    try:
        partitions = [TopicPartition(topic, p) for p in reader.partitions_for_topic(topic) or ()]
        ends = reader.end_offsets(partitions)
        assert {p: reader.committed(p) or 0 for p in partitions} == ends  # and every one committed
    finally:
        reader.close()


def test_a_handler_blocked_past_the_poll_interval_rejoins_and_loses_or_doubles_nothing(
    settings_for, wire, caplog
):
    """A handler that blocks longer than max_poll_interval_ms (waiting out a long store
    outage): the client leaves the group meanwhile; the loop rejoins and carries on, and
    every message takes effect once and is committed. Its batch's commit fails (the member
    is out of the group): the batch comes again after the rejoin and the inbox skips
    what it already did."""
    settings = settings_for("kernel_test")
    db = mongo_client(settings)[settings.database]
    topic = settings.topic("intake.inquiry.v1")
    effects = db["effects"]
    producer = kafka_producer(settings)

    def send(n: int) -> None:
        raw = golden_example("intake.inquiry_submitted")
        raw["event_id"] = f"00000000-0000-4000-8000-{n:012d}"
        producer.send(topic, key=b"inquiry-x", value=wire(raw))
        producer.flush()

    for n in range(10):
        send(n)
    blocked: list[float] = []
    poll_interval_s = 2.0

    def handler(event, session) -> None:
        n = int(event.event_id[-12:])
        if n == 3 and not blocked:
            blocked.append(time.monotonic())
            time.sleep(poll_interval_s * 3)  # far past the group's deadline
        effects.insert_one({"n": n}, session=session)

    group = f"{settings.topic_prefix}kernel_test"
    consumer = KafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers.split(","),
        group_id=group,
        api_version=settings.kafka_api_version,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=100,
        max_poll_interval_ms=int(poll_interval_s * 1000),
        session_timeout_ms=6_000,  # the broker's least (group.min.session.timeout.ms)
        heartbeat_interval_ms=1_000,
    )
    consumer.subscribe([topic])
    loop = ConsumerLoop(
        "kernel_test",
        consumer,
        MessageProcessor(MongoInbox(db, "kernel_test"), {"intake.inquiry_submitted": handler}),
        KafkaPublisher(kafka_producer(settings)),
    )
    thread, stop = background(loop.run)
    try:
        wait_for(lambda: effects.count_documents({}) >= 10, 60)
        send(10)  # and it goes on consuming after
        wait_for(lambda: effects.count_documents({}) >= 11, 30)
        time.sleep(1.0)  # time for a duplicate to show
    finally:
        producer.close()
        stop.set()
        thread.join(15)
    assert not thread.is_alive(), "the consumer did not stop cleanly"
    assert blocked, "the handler never blocked"
    dropped_out = [r for r in caplog.records if "offset commit failed" in r.getMessage()]
    assert dropped_out, "the member never dropped out of its group: the test proves nothing"
    assert sorted(d["n"] for d in effects.find()) == list(range(11))
    reader = KafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers, group_id=group, enable_auto_commit=False
    )
    try:
        partitions = [TopicPartition(topic, p) for p in reader.partitions_for_topic(topic) or ()]
        ends = reader.end_offsets(partitions)
        assert {p: reader.committed(p) or 0 for p in partitions} == ends
    finally:
        reader.close()


def test_a_consumer_that_joined_before_its_topic_existed_gets_its_partitions_soon(settings_for):
    """Another service's topic may not exist yet when a consumer starts (its producer has
    not published): once it does, the consumer is assigned its partitions within seconds,
    not at kafka-python's default metadata refresh of 5 minutes."""
    settings = settings_for("kernel_test")
    topic = settings.topic(f"late.topic{int(time.time() * 1000)}.v1")
    consumer = kafka_consumer(settings, settings.topic("late-joiner"), [topic])
    try:
        consumer.poll(timeout_ms=500)  # joins the group while the topic is being created
        producer = kafka_producer(settings)
        producer.send(topic, b"{}").get(timeout=10)
        producer.close()
        deadline = time.monotonic() + 30
        while not consumer.assignment() and time.monotonic() < deadline:
            consumer.poll(timeout_ms=500)
        assert consumer.assignment(), "no partitions of the new topic after 30 s"
    finally:
        consumer.close()
