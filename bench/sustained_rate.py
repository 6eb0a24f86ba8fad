"""Does the whole system keep up with a steady rate of inquiries, and what does one cost?

Starts the whole system on the real processes (embedded servers, every Procfile process
under supervisor), with a MongoDB command counter in every service process
(bench/opcount), and in one run measures:

1. baseline: the raw store's single-document insert_one rate (same server, same run);
2. idle: store commands per second and CPU of each process while nothing happens;
3. load: N inquiries submitted over HTTP at a steady rate (--rate; 0: as fast as a pool of
   clients can), each followed until it is fully through: its tracking view registered
   at intake (so the case was opened at business_desk) and its receipt sent by notify.
   Every second the backlog (submitted, not yet through) is sampled.

Prints the end-to-end throughput, the latency submit -> fully through, the backlog at
the end of the load and how long it took to drain, the store commands per inquiry of
each process (busiest commands first) and the CPU each process used per inquiry; and as
ratios against the baseline: the store's share of its own insert rate that the load
used, and the rate the store allows at this many commands per inquiry.

Usage: .local/venv/bin/python bench/sustained_rate.py [--rate 4] [--count 400]


Kept in one module: one benchmark run, its phases in order."""

from __future__ import annotations

import argparse
import collections
import json
import os
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import requests
from cpu_by_process import cpu_seconds, label
from e2e_inquiries import UNLIMITED, raw_insert_rate, submit
from pymongo import MongoClient
from store_ops import process_name

from devstack.stack import Stack

HERE = Path(__file__).resolve().parent
RECEIPT = "intake.inquiry_submitted"


class CommandCounts:
    """The commands each service process sent so far (from bench/opcount's files)."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder

    def snapshot(self) -> dict[str, collections.Counter[str]]:
        per_process: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
        for path in self._folder.glob("*.json"):
            try:
                record = json.loads(path.read_text())
            except (OSError, ValueError):
                continue
            per_process[process_name(record["process"])].update(record["counts"])
        return per_process


def difference(
    after: dict[str, collections.Counter[str]], before: dict[str, collections.Counter[str]]
) -> dict[str, collections.Counter[str]]:
    return {name: counts - before.get(name, collections.Counter()) for name, counts in after.items()}


def ours(pid: str, marker: str) -> bool:
    """A process of this run's system (other sessions may share the machine): its command
    line names this run's folder (the servers) or its environment does (the services)."""
    try:
        return (
            marker.encode() in Path(f"/proc/{pid}/cmdline").read_bytes()
            or marker.encode() in Path(f"/proc/{pid}/environ").read_bytes()
        )
    except OSError:
        return False


def own_cpu(marker: str) -> dict[str, tuple[str, float]]:
    found = cpu_seconds()
    mine = {pid: found[pid] for pid in found if ours(pid, marker)}
    mine[str(os.getpid())] = ("this benchmark (client side)", found.get(str(os.getpid()), ("", 0.0))[1])
    return mine


def cpu_by_label(before: dict, after: dict) -> collections.Counter[str]:
    used: collections.Counter[str] = collections.Counter()
    for pid, (command, seconds) in after.items():
        used[label(command)] += seconds - before.get(pid, (command, 0.0))[1]
    return used


@dataclass
class Follower:
    """Notes when each submitted inquiry is fully through: tracking registered at intake and
    receipt sent by notify. Asks only about the ones still on their way (few while the system
    keeps up), twice a second, and samples the backlog every second."""

    cases: object
    tracking: object
    mails: object
    submitted_at: dict[str, float] = field(default_factory=dict)
    opened_at: dict[str, float] = field(default_factory=dict)
    registered_at: dict[str, float] = field(default_factory=dict)
    sent_at: dict[str, float] = field(default_factory=dict)
    backlog: list[tuple[float, int]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def submitted(self, reference: str, at: float) -> None:
        with self._lock:
            self.submitted_at[reference] = at

    def through_at(self, reference: str) -> float | None:
        if reference in self.registered_at and reference in self.sent_at:
            return max(self.registered_at[reference], self.sent_at[reference])
        return None

    def pending(self) -> int:
        with self._lock:
            return sum(self.through_at(r) is None for r in self.submitted_at)

    def look(self) -> None:
        with self._lock:
            waiting = list(self.submitted_at)
        now = time.perf_counter()
        unopened = [r for r in waiting if r not in self.opened_at]
        if unopened:
            for doc in self.cases.find({"reference": {"$in": unopened}}, {"reference": 1}):  # type: ignore[attr-defined]
                self.opened_at.setdefault(doc["reference"], now)
        unregistered = [r for r in waiting if r not in self.registered_at]
        if unregistered:
            for doc in self.tracking.find(  # type: ignore[attr-defined]
                {"reference": {"$in": unregistered}, "status": {"$ne": "submitted"}}, {"reference": 1}
            ):
                self.registered_at.setdefault(doc["reference"], now)
        unsent = [r for r in waiting if r not in self.sent_at]
        if unsent:
            for doc in self.mails.find(  # type: ignore[attr-defined]
                {"reference": {"$in": unsent}, "event_type": RECEIPT, "status": "sent"}, {"reference": 1}
            ):
                self.sent_at.setdefault(doc["reference"], now)

    def follow(self, stop: threading.Event) -> None:
        last_sample = 0.0
        while not stop.is_set():
            self.look()
            if time.perf_counter() - last_sample >= 1.0:
                last_sample = time.perf_counter()
                self.backlog.append((last_sample, self.pending()))
            stop.wait(0.5)


def offer(
    intake_url: str, follower: Follower, rate: float, count: int, clients: int
) -> tuple[float, float, int]:
    """Submit `count` inquiries at `rate` per second (0: flat out); (started, ended, refused)."""
    sessions = threading.local()
    refused = 0

    def one(index: int, start_at: float) -> None:
        nonlocal refused
        if rate > 0:
            delay = start_at + index / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
        if not hasattr(sessions, "s"):
            sessions.s = requests.Session()
        try:
            reference, at = submit(sessions.s, intake_url)
        except requests.RequestException:
            refused += 1
            return
        follower.submitted(reference, at)

    start_at = time.perf_counter() + 0.2
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(lambda i: one(i, start_at), range(count)))
    return start_at, time.perf_counter(), refused


def wait_until(check: Callable[[], bool], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.5)
    return False


def print_commands(title: str, counts: dict[str, collections.Counter[str]], per: float, unit: str) -> float:
    total = sum(sum(c.values()) for c in counts.values()) / per
    print(f"{title}: {total:.1f} {unit}")
    for name, found in sorted(counts.items(), key=lambda item: -sum(item[1].values())):
        if sum(found.values()) / per < 0.05:
            continue
        print(f"  {sum(found.values()) / per:6.2f}  {name}")
        for command, n in found.most_common(8):
            if n / per >= 0.05:
                print(f"           {n / per:6.2f}  {command}")
    return total


def print_cpu(title: str, used: collections.Counter[str], wall: float, count: int | None) -> None:
    print(f"{title} ({sum(used.values()):.1f} CPU s in {wall:.1f} s, {os.cpu_count()} cores):")
    for name, seconds in used.most_common():
        if seconds / wall >= 0.005:
            per = f"  {seconds / count * 1000:6.1f} ms/inquiry" if count else ""
            print(f"  {seconds / wall * 100:5.1f} % of a core{per}  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rate", type=float, default=4.0, help="inquiries/s offered; 0: flat out")
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--idle-s", type=float, default=10.0)
    parser.add_argument("--raw-count", type=int, default=2000)
    parser.add_argument("--drain-timeout-s", type=float, default=300.0)
    args = parser.parse_args()
    print(f"load average at the start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    with tempfile.TemporaryDirectory(prefix="sustained-", dir=Path(".local").resolve()) as tmp:
        counts_dir = Path(tmp) / "counts"
        counts_dir.mkdir()
        extra = {"PYTHONPATH": str(HERE / "opcount"), "OPCOUNT_DIR": str(counts_dir), "OPCOUNT_EVERY_S": "1"}
        stack = Stack(Path(tmp), extra_env={**UNLIMITED, **extra}).start()
        counts = CommandCounts(counts_dir)
        stop = threading.Event()
        try:
            env = stack.env()
            prefix = env.get("MONGODB_DATABASE_PREFIX", "")
            client = MongoClient(env["MONGODB_URI"])
            follower = Follower(
                client[f"{prefix}business_desk"]["cases"],
                client[f"{prefix}intake"]["tracking"],
                client[f"{prefix}notify"]["outgoing_mail"],
            )
            raw = raw_insert_rate(env["MONGODB_URI"], args.raw_count)
            print(f"baseline, raw store insert_one: {raw:7.0f} inserts/s ({args.raw_count} docs)", flush=True)
            warm = submit(requests.Session(), stack.url("intake"))[0]  # connections, topics, groups
            follower.submitted(warm, time.perf_counter())
            wait_until(lambda: follower.look() or follower.pending() == 0, 120)
            follower.submitted_at.clear()
            follower.opened_at.clear()
            time.sleep(3)

            idle_counts, idle_cpu, idle_at = counts.snapshot(), own_cpu(tmp), time.perf_counter()
            time.sleep(args.idle_s + 1.5)  # the counters are written every second
            idle_wall = time.perf_counter() - idle_at
            idle_commands = difference(counts.snapshot(), idle_counts)
            idle_used = cpu_by_label(idle_cpu, own_cpu(tmp))

            thread = threading.Thread(target=follower.follow, args=(stop,), daemon=True)
            load_counts, load_cpu = counts.snapshot(), own_cpu(tmp)
            thread.start()
            started, ended, refused = offer(
                stack.url("intake"), follower, args.rate, args.count, args.clients
            )
            backlog_at_end = follower.pending()
            drained = wait_until(lambda: follower.pending() == 0, args.drain_timeout_s)
            finished = time.perf_counter()
            time.sleep(1.5)
            load_commands = difference(counts.snapshot(), load_counts)
            load_used = cpu_by_label(load_cpu, own_cpu(tmp))
            stop.set()
            thread.join(5)
            client.close()
        finally:
            stop.set()
            stack.stop()
    through = [t for r in follower.submitted_at if (t := follower.through_at(r)) is not None]
    n = len(follower.submitted_at)
    latencies = sorted(
        follower.through_at(r) - at for r, at in follower.submitted_at.items() if follower.through_at(r)
    )
    offered = f"{args.rate:g}/s" if args.rate else "flat out"
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print()
    print(f"offered {args.count} inquiries at {offered}: {n} accepted, {refused} refused or failed")
    print(f"  submitted in {ended - started:.1f} s ({n / (ended - started):.2f}/s)")
    if through:
        rate = len(through) / (max(through) - started)
        q = (
            statistics.quantiles(latencies, n=20, method="inclusive")
            if len(latencies) > 1
            else latencies * 19
        )
        print(f"  fully through (tracking registered + receipt sent): {len(through)}/{n}")
        print(f"  end-to-end throughput: {rate:.2f} inquiries/s")
        print(f"  submit -> through: p50 {q[9]:.1f} s, p95 {q[18]:.1f} s, max {latencies[-1]:.1f} s")
    print(
        f"  backlog when the load ended: {backlog_at_end}; drained {finished - ended:.1f} s after"
        + ("" if drained else " (NOT drained: timed out)")
    )
    for stage, seen in (
        ("case opened at business_desk", follower.opened_at),
        ("tracking registered at intake", follower.registered_at),
        ("receipt sent by notify", follower.sent_at),
    ):
        times = [seen[r] - at for r, at in follower.submitted_at.items() if r in seen]
        if times:
            last = max(seen[r] for r in follower.submitted_at if r in seen) - started
            print(
                f"  {stage:30s}: {len(times)}/{n}, the last {last:.1f} s after the first submit"
                f" ({len(times) / last:.2f}/s), p50 {statistics.median(times):.1f} s after its submit"
            )
    peak = max((b for _, b in follower.backlog), default=0)
    print(f"  peak backlog: {peak} inquiries")
    print()
    per_inquiry = print_commands("store commands per inquiry", load_commands, max(n, 1), "commands/inquiry")
    print()
    idle_total = print_commands("store commands while idle", idle_commands, idle_wall, "commands/s")
    print()
    print_cpu("CPU while idle", idle_used, idle_wall, None)
    print()
    print_cpu("CPU under load", load_used, finished - started, n)
    print()
    print("ratios against the baseline (raw insert_one rate of the same store, same run):")
    print(f"  idle commands/s / raw inserts/s:             {idle_total / raw:7.4f}")
    print(f"  store-bound ceiling raw / commands per inquiry: {raw / per_inquiry:7.1f} inquiries/s")
    if through:
        print(f"  end-to-end throughput / that ceiling:        {rate / (raw / per_inquiry):7.3f}")


if __name__ == "__main__":
    main()
