"""Process entrypoints shared by every service: the outbox relay and the consumer."""

from __future__ import annotations

import argparse
import logging
import socket
import threading
from collections.abc import Callable, Mapping

from pymongo.database import Database

from kernel import consumed, logs, telemetry
from kernel.connections import kafka_consumer, kafka_producer, mongo_client, personal_data
from kernel.consumer import ConsumerLoop, Handler, MessageProcessor, MongoInbox, run_until_signalled
from kernel.eventstore import MongoEventStore
from kernel.metrics import serve_process_metrics
from kernel.publishers import KafkaPublisher
from kernel.relay import MongoCheckpoints, OutboxRelay, route_by_stream_category
from kernel.settings import Settings


def configure_logging(service: str) -> None:
    logs.configure(service)


def run_relay(settings: Settings, routes: Mapping[str, str]) -> None:
    configure_logging(f"{settings.service}-relay")
    telemetry.setup(f"{settings.service}-relay")
    db = mongo_client(settings)[settings.database]
    store = MongoEventStore(db)
    store.ensure_schema()
    producer = kafka_producer(settings)
    publisher = KafkaPublisher(producer)
    serve_process_metrics(
        {"mongodb": lambda: db.client.admin.command("ping"), "kafka": broker_check(producer)}
    )
    relay = OutboxRelay(
        name=f"{settings.service}-relay",
        store=store,
        publisher=publisher,
        checkpoints=MongoCheckpoints(db),
        topic_for=route_by_stream_category({k: settings.topic(v) for k, v in routes.items()}),
    )
    try:
        run_until_signalled(relay.run_forever)
    finally:
        publisher.close()


def run_consumer(
    settings: Settings,
    topics: list[str],
    build_handlers: Callable[[Database], Mapping[str, Handler]],
    after_batch: Callable[[Database], Callable[[], None]] | None = None,
) -> None:
    configure_logging(f"{settings.service}-consumer")
    telemetry.setup(f"{settings.service}-consumer")
    db = mongo_client(settings)[settings.database]
    group = consumed.group_of(settings)
    processor = MessageProcessor(
        MongoInbox(db, group), build_handlers(db), personal=personal_data(settings, db.client)
    )
    dead_letters = KafkaPublisher(kafka_producer(settings))
    consumer = kafka_consumer(settings, group, [settings.topic(t) for t in topics])
    serve_process_metrics(
        {"mongodb": lambda: db.client.admin.command("ping"), "kafka": broker_check(consumer)}
    )
    loop = ConsumerLoop(
        name=group,
        consumer=consumer,
        processor=processor,
        dead_letters=dead_letters,
        after_batch=after_batch(db) if after_batch else None,
    )
    try:
        run_until_signalled(loop.run)
    finally:
        dead_letters.close()


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


def run_periodically(name: str, job: Callable[[], object], interval_s: float) -> None:
    """A housekeeping entrypoint: run `job` every `interval_s` seconds until SIGTERM/SIGINT,
    or once with --once (for a Kubernetes CronJob). A failed round is logged and retried
    next round: the store may be briefly away."""
    parser = argparse.ArgumentParser(description=name)
    parser.add_argument("--once", action="store_true", help="one round, then exit")
    args = parser.parse_args()
    log = logging.getLogger(name)
    if args.once:
        job()
        return

    def loop(stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                job()
            except Exception:
                log.exception("%s: round failed", name)
            stop.wait(interval_s)

    run_until_signalled(loop)
