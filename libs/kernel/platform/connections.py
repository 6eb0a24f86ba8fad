"""Clients for the store and the broker, created on demand (after gunicorn forks). The
Kafka client is imported only by what makes one: a web process has no use for it, and
importing it is a fifth of a web server's start."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from pymongo import MongoClient
from pymongo.database import Database
from pymongo.errors import ConnectionFailure

from kernel.platform.dependencies import StoreListener
from kernel.platform.settings import Settings
from kernel.privacy.personal import KeyVault, PersonalData, master_key_from_env

if TYPE_CHECKING:
    from kafka import KafkaConsumer, KafkaProducer


def mongo_client(settings: Settings, discovery_wait_s: float | None = None) -> MongoClient:
    """A short server-selection timeout: a request fails fast (503) while the store is away,
    and a worker's loop notices the outage soon and waits with its own backoff. Every
    command the store answers tells the dependency tracker it is there. Writes are
    acknowledged once journaled by a majority (MongoDB's own default since 5.0): with
    w=1 the embedded store loses the last acknowledged writes when it is killed (and its
    transactions' commits need its --sync-on-commit for that: devstack.infra).
    `discovery_wait_s`: how long to wait for the store's first answer (DISCOVERY_WAIT_S
    by default; 0 for a process whose own loop waits out an outage)."""
    client: MongoClient = MongoClient(
        settings.mongodb_uri,
        w="majority",
        journal=True,
        serverSelectionTimeoutMS=settings.store_selection_timeout_ms,
        connectTimeoutMS=max(settings.store_selection_timeout_ms, 2_000),
        tz_aware=True,
        event_listeners=[StoreListener()],
    )
    await_discovery(client, DISCOVERY_WAIT_S if discovery_wait_s is None else discovery_wait_s)
    return client


# How long a new client waits to find the store: the short server selection is for a
# store that went away, not for the first contact (a web worker's boot makes its indexes).
DISCOVERY_WAIT_S = 20.0


def service_database(settings: Settings, db: Database | None = None) -> Database:
    """`db`, else the database the settings name, on a client of its own."""
    return db if db is not None else mongo_client(settings)[settings.database]


def store_ping(db: Database) -> Callable[[], object]:
    """A ping of the store `db` is on (a wiring's `ping`, for /readyz)."""
    return lambda: db.client.admin.command("ping")


def await_discovery(client: MongoClient, wait_s: float = DISCOVERY_WAIT_S) -> None:
    """Return once the store answers, or after `wait_s` (the caller's own operations then
    meet the outage and wait for it, or fail a web worker's boot for its supervisor)."""
    deadline = time.monotonic() + wait_s
    while wait_s > 0:
        try:
            client.admin.command("ping")
            return
        except ConnectionFailure:
            if time.monotonic() >= deadline:
                return


def kafka_producer(settings: Settings) -> KafkaProducer:
    # One request in flight keeps a stream's order even when a send is retried.
    return _producer(settings, "producer", retries=5, linger_ms=2)


def relay_producer(settings: Settings) -> KafkaProducer:
    """A relay's producer: each flush goes as one request and is not retried by the
    client. The relay retries from its saved position itself, after checking that the
    broker still has what it acknowledged (kernel.eventsourcing.acknowledged): a client retry, or the
    rest of a flush, landing on a broker restarted without its tail would take the lost
    messages' offsets and turn, before the relay could publish those again."""
    return _producer(
        settings,
        "relay-producer",
        retries=0,
        enable_idempotence=False,  # it needs retries; the relay's own retry is what counts here
        linger_ms=60_000,  # sent when the relay flushes, all at once
        batch_size=RELAY_BATCH_BYTES,
    )


def _producer(settings: Settings, role: str, **config: object) -> KafkaProducer:
    from kafka import KafkaProducer

    return KafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap_servers.split(","),
        client_id=f"{settings.service}-{role}",
        api_version=settings.kafka_api_version,
        acks="all",
        max_in_flight_requests_per_connection=1,
        request_timeout_ms=10_000,
        max_block_ms=10_000,
        **config,
    )


# a partition's batch holds a whole flush (kernel.eventsourcing.relay.FLUSH_BYTES and one message over)
RELAY_BATCH_BYTES = 2_000_000


def kafka_consumer(settings: Settings, group: str, topics: list[str]) -> KafkaConsumer:
    from kafka import KafkaConsumer

    consumer = KafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers.split(","),
        group_id=group,
        client_id=f"{group}-consumer",
        api_version=settings.kafka_api_version,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=200,
        fetch_max_wait_ms=100,
        session_timeout_ms=10_000,
        heartbeat_interval_ms=3_000,
        # A consumer that joins before another service's topic exists is assigned none of
        # its partitions until its metadata is refreshed (kafka-python's default: every
        # 5 minutes); a fresh topic is noticed, and the group rebalances, within 10 s.
        metadata_max_age_ms=10_000,
    )
    consumer.subscribe(topics)
    return consumer


def personal_data(settings: Settings, client: MongoClient) -> PersonalData:
    """Sealing and opening of personal data, on the key vault all services share: one
    per client and vault (kept on the client), so a process has one cache of keys."""
    codecs: dict[str, PersonalData] = client.__dict__.setdefault("_kernel_personal_data", {})
    if settings.keyvault_database not in codecs:
        vault = KeyVault(client[settings.keyvault_database]["subject_keys"], master_key_from_env())
        codecs[settings.keyvault_database] = PersonalData(vault)
    return codecs[settings.keyvault_database]
