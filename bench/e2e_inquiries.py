"""End-to-end benchmark of the inquiry flow, in one run:

1. the raw store: single-document insert_one rate on the same MongoDB-protocol server;
2. latency: inquiries submitted over HTTP at a fixed rate (default 50/s), each timed
   from the start of its POST until its case is in business_desk's queue read model
   (p50/p95/p99);
3. throughput: inquiries submitted as fast as a pool of clients can, timed from the
   first POST until the last case is queued;
and prints the ratio end-to-end inquiries/s / raw store inserts/s.

Starts its own system (embedded servers and every service) unless --intake-url,
--desk-mongodb-uri are given. Usage: .local/venv/bin/python bench/e2e_inquiries.py
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from pymongo import MongoClient

from devstack.stack import Stack

INQUIRY = {
    "organisation_number": "556036-0793",
    "company": "Bench AB",
    "contact_name": "Bench",
    "phone": "08-123 456 78",
    "case_type": "general_business_advice",
    "description": "Benchmark inquiry.",
    "language": "sv",
}


# One client address sends every inquiry: lift the public endpoints' rate limits.
UNLIMITED = {"RATE_LIMIT_SUBMIT": "1000000/minute", "RATE_LIMIT_TRACKING": "1000000/minute"}


def raw_insert_rate(mongodb_uri: str, count: int) -> float:
    with MongoClient(mongodb_uri) as client:
        collection = client["bench_raw"][f"docs_{uuid.uuid4().hex[:6]}"]
        docs = [{"n": n, "payload": "x" * 200} for n in range(count)]
        started = time.perf_counter()
        for doc in docs:
            collection.insert_one(doc)
        elapsed = time.perf_counter() - started
        collection.drop()
    return count / elapsed


class QueueWatcher:
    """Notes when each reference first shows up in business_desk's queue read model.
    It follows a change stream, so watching costs the store no polling."""

    def __init__(self, mongodb_uri: str, database: str) -> None:
        self._client = MongoClient(mongodb_uri)
        self._cases = self._client[database]["cases"]
        self.seen: dict[str, float] = {}
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def start(self) -> QueueWatcher:
        self._thread.start()
        self._ready.wait(10)
        return self

    def _watch(self) -> None:
        inserts = [{"$match": {"operationType": "insert"}}]
        with self._cases.watch(inserts, max_await_time_ms=100) as stream:
            self._ready.set()
            while not self._stop.is_set():
                change = stream.try_next()
                if change is not None:
                    self.seen.setdefault(change["fullDocument"]["reference"], time.perf_counter())

    def wait_for(self, references: list[str], timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and not all(r in self.seen for r in references):
            time.sleep(0.05)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._client.close()


def submit(session: requests.Session, intake_url: str) -> tuple[str, float]:
    started = time.perf_counter()
    body = {**INQUIRY, "email": f"bench-{uuid.uuid4().hex[:8]}@example.se"}
    response = session.post(f"{intake_url}/api/v1/inquiries", json=body, timeout=30)
    response.raise_for_status()
    return response.json()["reference"], started


def at_fixed_rate(intake_url: str, watcher: QueueWatcher, rate: float, count: int) -> dict:
    sessions = threading.local()

    def one(index: int, start_at: float) -> tuple[str, float]:
        delay = start_at + index / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        if not hasattr(sessions, "s"):
            sessions.s = requests.Session()
        return submit(sessions.s, intake_url)

    start_at = time.perf_counter() + 0.2
    with ThreadPoolExecutor(max_workers=32) as pool:
        results = list(pool.map(lambda i: one(i, start_at), range(count)))
    watcher.wait_for([r for r, _ in results], 60)
    latencies = sorted((watcher.seen[r] - t) * 1000 for r, t in results if r in watcher.seen)
    q = statistics.quantiles(latencies, n=100, method="inclusive")
    return {"queued": len(latencies), "p50": q[49], "p95": q[94], "p99": q[98], "max": latencies[-1]}


def submit_all(intake_url: str, count: int, clients: int) -> list[tuple[str, float]]:
    """Submit `count` inquiries as fast as `clients` threads can, one HTTP session each:
    (reference, when its POST started) of each."""
    sessions = threading.local()

    def one(_: int) -> tuple[str, float]:
        if not hasattr(sessions, "s"):
            sessions.s = requests.Session()
        return submit(sessions.s, intake_url)

    with ThreadPoolExecutor(max_workers=clients) as pool:
        return list(pool.map(one, range(count)))


def flat_out(intake_url: str, watcher: QueueWatcher, count: int, clients: int) -> dict:
    started = time.perf_counter()
    results = submit_all(intake_url, count, clients)
    submitted = time.perf_counter()
    watcher.wait_for([r for r, _ in results], 120)
    queued = [watcher.seen[r] for r, _ in results if r in watcher.seen]
    return {
        "queued": len(queued),
        "submit_rate": count / (submitted - started),
        "e2e_rate": len(queued) / (max(queued) - started),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--rate", type=float, default=50.0, help="offered load of the latency phase (inquiries/s)"
    )
    parser.add_argument("--latency-count", type=int, default=500)
    parser.add_argument("--throughput-count", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--raw-count", type=int, default=3000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-", dir=Path(".local").resolve()) as tmp:
        stack = Stack(Path(tmp), extra_env=UNLIMITED)
        stack.start()
        try:
            env = stack.env()
            desk_db = f"{env.get('MONGODB_DATABASE_PREFIX', '')}business_desk"
            raw = raw_insert_rate(env["MONGODB_URI"], args.raw_count)
            print(
                f"raw store insert_one:            {raw:8.0f} inserts/s ({args.raw_count} docs)",
                flush=True,
            )
            watcher = QueueWatcher(env["MONGODB_URI"], desk_db).start()
            submit(requests.Session(), stack.url("intake"))  # warm-up: connections, topics, groups
            time.sleep(2)
            latency = at_fixed_rate(stack.url("intake"), watcher, args.rate, args.latency_count)
            print(
                f"submit-to-queued at {args.rate:.0f}/s:        p50 {latency['p50']:.0f} ms, "
                f"p95 {latency['p95']:.0f} ms, "
                f"p99 {latency['p99']:.0f} ms, max {latency['max']:.0f} ms "
                f"({latency['queued']}/{args.latency_count} queued)",
                flush=True,
            )
            time.sleep(2)
            throughput = flat_out(stack.url("intake"), watcher, args.throughput_count, args.clients)
            watcher.stop()
            print(
                f"end-to-end at saturation:        {throughput['e2e_rate']:8.1f} inquiries/s "
                f"(HTTP submit {throughput['submit_rate']:.1f}/s, "
                f"{throughput['queued']}/{args.throughput_count} "
                f"queued, {args.clients} clients)"
            )
            print(f"ratio end-to-end / raw inserts:  {throughput['e2e_rate'] / raw:8.3f}  (target >= 0.15)")
            p99 = latency["p99"]
            print(f"p99 at {args.rate:.0f}/s:                    {p99:8.0f} ms  (target <= 1000 ms)")
        finally:
            stack.stop()


if __name__ == "__main__":
    main()
