"""Process entrypoints shared by every service: the outbox relay and the consumer."""

from __future__ import annotations

import argparse
import contextlib
import logging
import socket
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

from pymongo.database import Database

from kernel.eventsourcing import consumed
from kernel.eventsourcing.consumer import ConsumerLoop
from kernel.eventsourcing.inbox import MongoInbox
from kernel.eventsourcing.mongo_store import MongoEventStore
from kernel.eventsourcing.processor import Handler, MessageProcessor
from kernel.eventsourcing.publishers import KafkaPublisher
from kernel.eventsourcing.relay import MongoCheckpoints, OutboxRelay, route_by_stream_category
from kernel.platform import logs, telemetry
from kernel.platform.connections import (
    kafka_consumer,
    kafka_producer,
    mongo_client,
    personal_data,
    relay_producer,
)
from kernel.platform.dependencies import BROKER, STORE
from kernel.platform.metrics import JOB_ROUNDS, serve_process_metrics
from kernel.platform.retry import Stopped, call_through_outages
from kernel.platform.settings import Settings
from kernel.platform.signals import run_until_signalled

T = TypeVar("T")


def configure_logging(service: str) -> None:
    logs.configure(service)


def run_relay(settings: Settings, routes: Mapping[str, str]) -> None:
    configure_logging(f"{settings.service}-relay")
    telemetry.setup(f"{settings.service}-relay")
    db = mongo_client(settings)[settings.database]
    producer = relay_producer(settings)
    publisher = KafkaPublisher(producer)
    serve_process_metrics({STORE: store_check(db), BROKER: broker_check(settings)})

    def work(stop: threading.Event) -> None:
        store = MongoEventStore(db)
        call_through_outages(store.ensure_schema, stop)  # the store may be away at the start
        relay = OutboxRelay(
            name=f"{settings.service}-relay",
            store=store,
            publisher=publisher,
            checkpoints=MongoCheckpoints(db),
            topic_for=route_by_stream_category({k: settings.topic(v) for k, v in routes.items()}),
        )
        relay.run_forever(stop)

    try:
        run_until_signalled(until_stopped(work))
    finally:
        publisher.close()


def run_consumer(
    settings: Settings,
    topics: list[str],
    build_handlers: Callable[[Database], Mapping[str, Handler]],
    after_batch: Callable[[Database, threading.Event], Callable[[], None]] | None = None,
) -> None:
    """`after_batch(db, stop)` makes the work run after each batch (and while idle); it
    may wait for a dependency until `stop` is set, then raise kernel.platform.retry.Stopped."""
    configure_logging(f"{settings.service}-consumer")
    telemetry.setup(f"{settings.service}-consumer")
    db = mongo_client(settings)[settings.database]
    group = consumed.group_of(settings)
    dead_letters = KafkaPublisher(kafka_producer(settings))
    serve_process_metrics({STORE: store_check(db), BROKER: broker_check(settings)})

    def work(stop: threading.Event) -> None:
        # building the handlers and the dispatcher makes their indexes: the store may be away
        handlers = call_through_outages(lambda: build_handlers(db), stop)
        after = call_through_outages(lambda: after_batch(db, stop), stop) if after_batch else None
        processor = MessageProcessor(
            MongoInbox(db, group), handlers, personal=personal_data(settings, db.client)
        )
        consumer = kafka_consumer(settings, group, [settings.topic(t) for t in topics])
        loop = ConsumerLoop(
            name=group, consumer=consumer, processor=processor, dead_letters=dead_letters, after_batch=after
        )
        loop.run(stop)

    try:
        run_until_signalled(until_stopped(work))
    finally:
        dead_letters.close()


def until_stopped(work: Callable[[threading.Event], None]) -> Callable[[threading.Event], None]:
    """A stop requested while the work waited for a dependency ends it quietly."""

    def run(stop: threading.Event) -> None:
        with contextlib.suppress(Stopped):
            work(stop)

    return run


def store_check(db: Database) -> Callable[[], object]:
    return lambda: db.client.admin.command("ping")


def broker_check(settings: Settings) -> Callable[[], None]:
    """Ready while one of the bootstrap brokers accepts a connection."""

    def check() -> None:
        errors = []
        for server in settings.kafka_bootstrap_servers.split(","):
            host, _, port = server.strip().rpartition(":")
            try:
                socket.create_connection((host or "localhost", int(port or 9092)), timeout=2).close()
                return
            except OSError as exc:
                errors.append(f"{server}: {exc}")
        raise ConnectionError("no Kafka broker answers: " + "; ".join(errors))

    return check


def background(work: Callable[[threading.Event], None]) -> tuple[threading.Thread, threading.Event]:
    """Run a loop on a thread (tests, benchmarks); set the event to stop it."""
    stop = threading.Event()
    thread = threading.Thread(target=work, args=(stop,), daemon=True)
    thread.start()
    return thread, stop


def run_periodically(
    name: str,
    job: Callable[[T], object],
    interval_s: float,
    settings: Settings,
    setup: Callable[[Database], T],
    argv: Sequence[str] | None = None,
) -> None:
    """A housekeeping entrypoint: `setup(the service's database)` once (its store may be
    away at first: waited for), then `job(what setup made)` every `interval_s` seconds
    until SIGTERM/SIGINT, or once with --once (for a Kubernetes CronJob, which retries a
    failed run). A round that meets an outage waits for the dependency with backoff and
    is done then; a round that fails otherwise is logged and tried again next interval.
    /readyz asks the store. The process has one store client, made here: a setup retried
    through an outage uses it again (one made per attempt would leak its connections and
    monitor threads)."""
    parser = argparse.ArgumentParser(description=name)
    parser.add_argument("--once", action="store_true", help="one round, then exit")
    args = parser.parse_args(argv)
    # no wait for the store's first answer: the rounds wait out an outage themselves
    client = mongo_client(settings, discovery_wait_s=0.0)
    db = client[settings.database]
    try:
        if args.once:
            job(setup(db))
            return
        serve_process_metrics({STORE: store_check(db)})
        run_until_signalled(
            until_stopped(lambda stop: run_rounds(name, job, interval_s, lambda: setup(db), stop))
        )
    finally:
        client.close()


def run_rounds(
    name: str, job: Callable[[T], object], interval_s: float, setup: Callable[[], T], stop: threading.Event
) -> None:
    """`setup()` through outages, then `job` every `interval_s` seconds until `stop`."""
    log = logging.getLogger(name)
    made = call_through_outages(setup, stop)
    while not stop.is_set():
        try:
            call_through_outages(lambda: job(made), stop)
        except Stopped:
            return
        except Exception:
            JOB_ROUNDS.labels(name, "failed").inc()
            log.exception("%s: round failed", name)
        else:
            JOB_ROUNDS.labels(name, "done").inc()
        stop.wait(interval_s)
