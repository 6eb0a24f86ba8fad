"""What durable commits cost the on-disk store, in one run.

SecantusDB on disk commits a multi-document transaction without syncing WiredTiger's log
unless it runs with --sync-on-commit (devstack.infra does; see the README, "The embedded
store's durability"). This starts it both ways, alternately, each on fresh storage, and
times with the services' write concern (w=majority, j=true): single inserts, bare
two-insert transactions, and the event store's append (a transaction: a position
reserved, the events inserted), with 1 and with 4 clients. Prints each rate with the
flag and without (the best of the rounds, the machine is shared) and their ratio.

Usage: .local/venv/bin/python bench/store_durability.py [--ops 300] [--rounds 2]
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from personal_data import events
from pymongo import MongoClient

from devstack.infra import Infra
from kernel.eventsourcing.envelope import Metadata
from kernel.eventsourcing.mongo_store import MongoEventStore

Work = Callable[[MongoClient, int], None]


def single_insert(client: MongoClient, _n: int) -> None:
    client.bench.singles.insert_one({"_id": uuid.uuid4().hex, "body": "s" * 200})


def bare_transaction(client: MongoClient, _n: int) -> None:
    key = uuid.uuid4().hex
    with client.start_session() as session:
        session.start_transaction()
        client.bench.events.insert_one({"_id": key, "body": "e" * 200}, session=session)
        client.bench.positions.insert_one({"_id": key, "body": "p" * 50}, session=session)
        session.commit_transaction()


def event_append(prepared: list) -> Work:  # type: ignore[type-arg]
    def append(client: MongoClient, n: int) -> None:
        inquiry = prepared[n]
        MongoEventStore(client.bench_events).append(inquiry.stream_id, 0, inquiry.events, Metadata.new())

    return append


def rate(uri: str, work: Work, ops: int, clients: int) -> float:
    """Operations per second over `ops` operations shared by `clients` threads."""
    connections = [MongoClient(uri, w="majority", journal=True, tz_aware=True) for _ in range(clients)]
    for connection in connections:
        connection.admin.command("ping")
    share = ops // clients

    def run(index: int) -> None:
        for n in range(index * share, (index + 1) * share):
            work(connections[index], n)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    for connection in connections:
        connection.close()
    return share * clients / elapsed


def measure(durable: bool, ops: int) -> dict[str, float]:
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="durability-bench-") as tmp:
        infra = Infra(Path(tmp), mongo_in_memory=False, mongo_durable_commits=durable)
        infra.start_server("mongo")
        try:
            setup = MongoClient(infra.mongodb_uri)
            MongoEventStore(setup.bench_events).ensure_schema()
            setup.close()
            for clients in (1, 4):
                works = {
                    "single insert": single_insert,
                    "transaction (2 inserts)": bare_transaction,
                    "event store append": event_append(events(ops)),  # new streams each time
                }
                for name, work in works.items():
                    results[f"{name}, {clients} client(s)"] = rate(infra.mongodb_uri, work, ops, clients)
        finally:
            infra.stop()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--ops", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    best: dict[bool, dict[str, float]] = {False: {}, True: {}}
    for _ in range(args.rounds):
        for durable in (False, True):
            for name, value in measure(durable, args.ops).items():
                best[durable][name] = max(value, best[durable].get(name, 0.0))
    print(f"{args.ops} operations per measure, best of {args.rounds} rounds, ops/s")
    print(f"  {'':40} {'unsynced':>9} {'--sync-on-commit':>17} {'ratio':>6}")
    for name, baseline in best[False].items():
        durable = best[True][name]
        print(f"  {name:40} {baseline:9.0f} {durable:17.0f} {durable / baseline:6.2f}")


if __name__ == "__main__":
    main()
