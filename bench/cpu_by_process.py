"""CPU seconds per process while inquiries flow through the whole system at saturation:
which process (the store, a service, the broker) the end-to-end rate is waiting for.

Starts its own system (embedded servers and every service), submits N inquiries over HTTP
with a pool of clients, waits until every case is queued in business_desk, and prints the
CPU time each process used meanwhile (from /proc), busiest first, with the wall time.

Usage: .local/venv/bin/python bench/cpu_by_process.py [--count 600] [--clients 16]
"""

from __future__ import annotations

import argparse
import collections
import os
import tempfile
import time
from pathlib import Path

from e2e_inquiries import UNLIMITED, submit_all
from pymongo import MongoClient

from devstack.stack import Stack

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds() -> dict[str, tuple[str, float]]:
    """pid -> (command line, user + system CPU seconds so far)."""
    found = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        found[pid] = (command, (int(fields[11]) + int(fields[12])) / TICKS)
    return found


def label(command: str) -> str:
    if "secantusd" in command:
        return "MongoDB-protocol store (SecantusDB)"
    if "noida" in command:
        return "Kafka-protocol broker (noida-db)"
    if "--name" in command:
        return command.split("--name", 1)[1].split()[0] + " (gunicorn)"
    if " -m " in f" {command} ":
        return command.split(" -m ", 1)[1].split()[0]
    return command[:60]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=600)
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cpu-bench-") as tmp:
        stack = Stack(Path(tmp), extra_env=UNLIMITED).start()
        try:
            env = stack.env()
            client = MongoClient(env["MONGODB_URI"])
            cases = client[f"{env.get('MONGODB_DATABASE_PREFIX', '')}business_desk"]["cases"]
            time.sleep(3)  # let the start-up settle
            before, started = cpu_seconds(), time.perf_counter()

            submit_all(stack.url("intake"), args.count, args.clients)
            while cases.count_documents({}) < args.count:
                time.sleep(0.1)
            wall, after = time.perf_counter() - started, cpu_seconds()
            client.close()
        finally:
            stack.stop()
    used: collections.Counter[str] = collections.Counter()
    for pid, (command, seconds) in after.items():
        used[label(command)] += seconds - before.get(pid, (command, 0.0))[1]
    total = sum(used.values())
    print(f"{args.count} inquiries queued in {wall:.1f} s: {args.count / wall:.1f} inquiries/s")
    print(f"CPU used: {total:.1f} s of {wall * os.cpu_count():.1f} s ({os.cpu_count()} cores)")
    for name, seconds in used.most_common():
        if seconds >= 0.1:
            print(f"  {seconds:6.1f} s  {seconds / wall * 100:5.0f} % of a core  {name}")


if __name__ == "__main__":
    main()
