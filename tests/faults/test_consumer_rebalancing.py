"""Two instances of each consumer (intake, business_desk, notify) in one group on a real
Apache Kafka, inquiries flowing in at a steady rate: one instance of each is SIGKILLed at
a seeded random moment, the broker evicts it after the session timeout and gives its
partitions to the survivor, the killed one is started again and rejoins. Afterwards every
accepted inquiry has exactly one case, one tracking view that applied its streams' events
in order, one receipt email (and one decision email when decided), and no dead letter.

Replay a run with FAULT_SEED=<the printed seed>."""

from __future__ import annotations

import os
import random
import statistics
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
from kafka import KafkaConsumer
from pymongo import MongoClient

from devstack.apache_kafka import API_VERSION, ApacheKafka
from devstack.stack import Stack
from tests.faults.consumer_group import ConsumerInstance, GroupWatch
from tests.faults.effects import Effects, observe
from tests.faults.traffic import Applicants, CaseHandler

pytestmark = pytest.mark.faults

CONSUMERS = ("intake", "business_desk", "notify")
RATE_PER_S = 2.0  # what this 2-core machine handles with the whole system on it, and then some
SUBMIT_FOR_S = 90.0
DECIDE_EVERY = 4
# A member is evicted after the session timeout (10 s). One killed inside a store
# transaction holds that transaction's documents until the store reaps it (60 s, as
# mongod's transactionLifetimeLimitSeconds): its successor waits on them, missing its
# own session meanwhile, and the group settles after.
SETTLE_S = 150.0
KILL_WITHIN_S = 40.0  # each consumer's kill, seconds after the first submission (default run)
LONG_SUBMIT_FOR_S, LONG_KILLS = 300.0, 3  # --long: 600 inquiries, each consumer killed 3 times
DRAIN_S = 240.0  # the backlog left by the faults is worked off well within this


@dataclass
class Fault:
    consumer: str
    killed_at_s: float  # since the first submission
    evicted_after_s: float  # killed -> the survivor owns every partition
    restarted_after_s: float  # killed -> started again
    rejoined_after_s: float  # started again -> two members again


@pytest.fixture(scope="module")
def apache_kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApacheKafka]:
    broker = ApacheKafka(tmp_path_factory.mktemp("apache-kafka")).start()
    yield broker
    broker.stop()


@pytest.fixture(scope="module")
def two_of_each(
    infra, apache_kafka: ApacheKafka, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Stack, dict[str, ConsumerInstance]]]:
    """Every service process on the session's store and mail sink but Apache Kafka, and
    a second instance of each consumer beside the stack's own."""
    prefix = f"r{uuid.uuid4().hex[:6]}"
    data_dir = tmp_path_factory.mktemp("rebalancing")
    stack = Stack(
        data_dir,
        infra=infra,
        owns_infra=False,
        extra_env={
            "MONGODB_DATABASE_PREFIX": f"{prefix}_",
            "KAFKA_TOPIC_PREFIX": f"{prefix}.",
            **apache_kafka.env(),
            "KAFKA_LOG_LEVEL": "WARNING",  # the group's comings and goings, in the services' logs
            "RATE_LIMIT_SUBMIT": "100000/minute",
            "RATE_LIMIT_ADDRESS": "100000/minute",
            "RATE_LIMIT_SUBJECT": "100000/minute",
        },
    ).start(timeout_s=300)  # a loaded machine starts the whole system slowly
    seconds = {s: ConsumerInstance(s, stack.env(), data_dir / "logs") for s in CONSUMERS}
    try:
        for instance in seconds.values():
            instance.start()
        yield stack, seconds
    finally:
        for instance in seconds.values():
            instance.stop()
        stack.stop()


def fault_seed() -> int:
    chosen = os.environ.get("FAULT_SEED")
    return int(chosen) if chosen else random.SystemRandom().randrange(1_000_000)


@pytest.mark.timeout(1800)
def test_a_consumer_killed_mid_batch_hands_its_partitions_over_and_nothing_is_lost_or_doubled(
    two_of_each, infra, tokens, say, long_run: bool
) -> None:
    stack, seconds = two_of_each
    env = stack.env()
    seed = fault_seed()
    rng = random.Random(seed)
    submit_for_s, kills = (LONG_SUBMIT_FOR_S, LONG_KILLS) if long_run else (SUBMIT_FOR_S, 1)
    # Each consumer's kills at their own moments (the consumers' may overlap), each
    # with the pause before its restart.
    plan = {
        c: sorted((rng.uniform(5.0, KILL_WITHIN_S * kills), rng.uniform(0.0, 3.0)) for _ in range(kills))
        for c in CONSUMERS
    }
    say(f"consumer rebalancing: FAULT_SEED={seed}; SIGKILL at (s, restart pause s): {plan}")
    groups = {s: f"{env['KAFKA_TOPIC_PREFIX']}{s}" for s in CONSUMERS}
    watch = GroupWatch(env["KAFKA_BOOTSTRAP_SERVERS"], API_VERSION)
    try:
        for group in groups.values():
            watch.wait_for_members(group, 2, SETTLE_S)

        applicants = Applicants(stack.url("intake"), RATE_PER_S, submit_for_s, DECIDE_EVERY)
        handler = CaseHandler(
            stack.url("business_desk"), tokens.header("case_handler", "business_desk"), applicants.handed_over
        )
        applicants_done = threading.Event()

        def submit() -> None:
            try:
                applicants.run()
            finally:
                applicants_done.set()

        started = time.monotonic()
        threads = [
            threading.Thread(target=submit, daemon=True),
            threading.Thread(
                target=handler.run, args=(applicants_done, started + submit_for_s + DRAIN_S), daemon=True
            ),
        ]
        for thread in threads:
            thread.start()

        with ThreadPoolExecutor(len(CONSUMERS)) as pool:
            running = [
                pool.submit(inject, c, seconds[c], groups[c], env, started, plan[c]) for c in CONSUMERS
            ]
            faults = sorted((f for r in running for f in r.result()), key=lambda f: f.killed_at_s)
        for thread in threads:
            thread.join(submit_for_s + DRAIN_S)
        effects, drained_after_s = drain(stack, infra.mail_url, applicants)
        dead_letters = count_dead_letters(env)
        lag = {group: watch.lag(group) for group in groups.values()}
    finally:
        watch.close()

    say(summary(seed, applicants, handler, faults, effects, drained_after_s, dead_letters, lag))
    assert applicants.accepted and not applicants.refused, applicants.refused[:5]
    assert not handler.failed, handler.failed[:5]
    assert not effects.losses, effects.losses[:10]
    assert not effects.duplicates, effects.duplicates[:10]
    assert not effects.out_of_order, effects.out_of_order[:10]
    assert dead_letters == {}, dead_letters


def inject(
    consumer: str,
    instance: ConsumerInstance,
    group: str,
    env: dict[str, str],
    started: float,
    moments: list[tuple[float, float]],
) -> list[Fault]:
    """At each moment (seconds into the traffic, or as soon as the last fault is over),
    SIGKILL the instance, see the group settle on the survivor, start it again after the
    pause and see it rejoin."""
    watch = GroupWatch(env["KAFKA_BOOTSTRAP_SERVERS"], API_VERSION)
    faults = []
    try:
        for after_s, pause_s in moments:
            time.sleep(max(0.0, started + after_s - time.monotonic()))
            killed_at = time.monotonic()
            instance.kill()
            evicted = watch.wait_for_members(group, 1, SETTLE_S)
            time.sleep(pause_s)
            restarted_after = time.monotonic() - killed_at
            instance.start()
            rejoined = watch.wait_for_members(group, 2, SETTLE_S)
            faults.append(Fault(consumer, killed_at - started, evicted, restarted_after, rejoined))
    finally:
        watch.close()
    return faults


def drain(stack: Stack, mail_url: str, applicants: Applicants) -> tuple[Effects, float]:
    """Wait until every accepted inquiry's effects are there (or the time is up)."""
    env = stack.env()
    started = time.monotonic()
    with MongoClient(env["MONGODB_URI"], tz_aware=True) as mongo:
        while True:
            effects = observe(mongo, env["MONGODB_DATABASE_PREFIX"], mail_url, applicants.accepted)
            if effects.complete or time.monotonic() - started > DRAIN_S:
                return effects, time.monotonic() - started
            time.sleep(2.0)


def count_dead_letters(env: dict[str, str]) -> dict[str, int]:
    consumer = KafkaConsumer(
        bootstrap_servers=env["KAFKA_BOOTSTRAP_SERVERS"],
        api_version=API_VERSION,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        group_id=None,
        consumer_timeout_ms=3000,
    )
    try:
        topics = [
            t for t in consumer.topics() if t.startswith(env["KAFKA_TOPIC_PREFIX"]) and t.endswith(".dlq")
        ]
        if not topics:
            return {}
        consumer.subscribe(topics)
        counts: dict[str, int] = {}
        for record in consumer:
            counts[record.topic] = counts.get(record.topic, 0) + 1
        return counts
    finally:
        consumer.close()


def summary(
    seed: int,
    applicants: Applicants,
    handler: CaseHandler,
    faults: list[Fault],
    effects: Effects,
    drained_after_s: float,
    dead_letters: dict[str, int],
    lag: dict[str, dict[str, int]],
) -> str:
    def spread(values: dict[str, float]) -> str:
        if not values:
            return "-"
        ordered = sorted(values.values())
        return f"median {statistics.median(ordered):.1f}s, max {ordered[-1]:.1f}s"

    lines = [
        f"consumer rebalancing on Apache Kafka 0.9 (FAULT_SEED={seed})",
        f"  inquiries accepted {len(applicants.accepted)}, refused {len(applicants.refused)},"
        f" decided by the handler {len(handler.decided)}",
        "  kill  consumer        at     evicted after  restarted after  rejoined after",
        *(
            f"  SIGKILL {f.consumer:<14} {f.killed_at_s:5.1f}s {f.evicted_after_s:9.1f}s"
            f" {f.restarted_after_s:12.1f}s {f.rejoined_after_s:14.1f}s"
            for f in faults
        ),
        f"  accepted -> case opened: {spread(effects.case_latency_s)}",
        f"  accepted -> receipt delivered: {spread(effects.receipt_latency_s)}",
        f"  effects complete {drained_after_s:.1f}s after the traffic ended",
        *(f"  not yet committed by {group}: {behind}" for group, behind in lag.items() if behind),
        f"  losses {len(effects.losses)}, duplicates {len(effects.duplicates)},"
        f" out of order {len(effects.out_of_order)}, dead letters {sum(dead_letters.values())},"
        f" emails resent with the same Message-ID {effects.resent_copies}",
    ]
    return "\n".join(lines)
