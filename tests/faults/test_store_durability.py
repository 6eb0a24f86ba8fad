"""What the store acknowledged survives its death: SecantusDB on disk (as the fault suite
and `scripts/dev` run it) is killed (SIGKILL) or stopped (SIGTERM) while writers insert
with w=majority, j=true, as the services do: single inserts and two-collection
transactions (the event store's append, a consumer's apply). It comes back on the same
storage, and every write it acknowledged is there, every transaction whole.

Without `--sync-on-commit` (devstack.infra) SecantusDB commits a transaction into
WiredTiger's log buffer unsynced whatever its write concern, and a SIGKILL lost the
transactions acknowledged in the last 0-26 ms before it in most kills (the README, "The
embedded store's durability"); this test failed 4 runs of 4 so."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from pymongo import MongoClient
from pymongo.errors import PyMongoError

from devstack.infra import Infra

pytestmark = pytest.mark.faults

TRANSACTION_WRITERS = 2


@dataclass
class Acknowledged:
    """What the store said it had, per collection; each writer appends to its own lists
    (list.append is atomic), read only once the writers are joined."""

    singles: list[str] = field(default_factory=list)
    transactions: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def store_client(uri: str) -> MongoClient:
    # The services' write concern (kernel.platform.connections.mongo_client), a short selection.
    return MongoClient(uri, w="majority", journal=True, serverSelectionTimeoutMS=500, connectTimeoutMS=1_000)


def write_singles(uri: str, tag: str, acked: Acknowledged, stop: threading.Event) -> None:
    with store_client(uri) as client:
        collection = client.durability.singles
        for n in range(1_000_000):
            if stop.is_set():
                return
            key = f"{tag}-{n}"
            try:
                collection.insert_one({"_id": key, "body": "s" * 200})
            except PyMongoError as exc:
                acked.errors.append(type(exc).__name__)
                time.sleep(0.05)
            else:
                acked.singles.append(key)


def write_transactions(uri: str, tag: str, acked: Acknowledged, stop: threading.Event) -> None:
    """The commands of kernel.eventsourcing.transactions.run_in_transaction, without with_transaction's
    two-minute commit retries (a writer must end when the store is killed)."""
    with store_client(uri) as client:
        db = client.durability
        for n in range(1_000_000):
            if stop.is_set():
                return
            key = f"{tag}-{n}"
            try:
                with client.start_session() as session:
                    session.start_transaction()
                    db.events.insert_one({"_id": key, "body": "e" * 200}, session=session)
                    db.positions.insert_one({"_id": key, "body": "p" * 50}, session=session)
                    session.commit_transaction()
            except PyMongoError as exc:
                acked.errors.append(type(exc).__name__)
                time.sleep(0.05)
            else:
                acked.transactions.append(key)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Infra]:
    infra = Infra(tmp_path / "infra", mongo_in_memory=False)
    infra.start_server("mongo")
    try:
        yield infra
    finally:
        infra.stop()


def write_until_the_store_dies(store: Infra, cycle: int, end_it, rng: random.Random) -> Acknowledged:  # type: ignore[no-untyped-def]
    acked = Acknowledged()
    stop = threading.Event()
    writers = [threading.Thread(target=write_singles, args=(store.mongodb_uri, f"c{cycle}s", acked, stop))]
    writers += [
        threading.Thread(target=write_transactions, args=(store.mongodb_uri, f"c{cycle}t{n}", acked, stop))
        for n in range(TRANSACTION_WRITERS)
    ]
    for writer in writers:
        writer.start()
    time.sleep(rng.uniform(0.8, 1.6))
    end_it()
    stop.set()
    for writer in writers:
        writer.join(30)
    return acked


def missing(store: Infra, acked: Acknowledged) -> dict[str, list[str]]:
    with store_client(store.mongodb_uri) as client:
        db = client.durability
        singles = {d["_id"] for d in db.singles.find({}, {"_id": 1})}
        events = {d["_id"] for d in db.events.find({}, {"_id": 1})}
        positions = {d["_id"] for d in db.positions.find({}, {"_id": 1})}
    return {
        "singles": [key for key in acked.singles if key not in singles],
        "transactions": [key for key in acked.transactions if key not in events or key not in positions],
        "half transactions": sorted(events ^ positions),
    }


@pytest.mark.parametrize(("how", "cycles"), [("SIGKILL", 4), ("SIGTERM", 1)])
def test_acknowledged_writes_survive_the_store_dying(store: Infra, how: str, cycles: int) -> None:
    rng = random.Random(f"{how}-durability")
    mongo = store.processes["mongo"]
    end_it = mongo.kill if how == "SIGKILL" else mongo.stop
    everything = Acknowledged()
    for cycle in range(cycles):
        acked = write_until_the_store_dies(store, cycle, end_it, rng)
        assert acked.singles and acked.transactions, f"cycle {cycle}: nothing acknowledged proves nothing"
        everything.singles += acked.singles
        everything.transactions += acked.transactions
        store.start_server("mongo")
        lost = missing(store, everything)
        assert lost == {"singles": [], "transactions": [], "half transactions": []}, (
            f"after {how} {cycle + 1} of {cycles}: {len(everything.singles)} single writes and "
            f"{len(everything.transactions)} transactions acknowledged so far; errors told: "
            f"{sorted(set(acked.errors))}; lost: {lost}"
        )
