"""Store commands per inquiry, per process: why the end-to-end rate is what it is.

Starts the whole system with a MongoDB command counter in every service process,
submits N inquiries over HTTP with a pool of clients, waits until every case is
queued in business_desk and every receipt email is sent, stops the system and prints
how many store commands each process sent per inquiry. With the raw insert rate of
bench/e2e_inquiries.py this bounds the end-to-end rate the store allows.

Usage: .local/venv/bin/python bench/store_ops.py [--count 400] [--clients 16]
"""

from __future__ import annotations

import argparse
import collections
import json
import tempfile
import time
from pathlib import Path

from e2e_inquiries import UNLIMITED, submit_all
from pymongo import MongoClient

from devstack.stack import Stack

HERE = Path(__file__).resolve().parent


def wait_until(check, timeout_s: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def process_name(argv: str) -> str:
    if "--name" in argv:
        return argv.split("--name", 1)[1].split()[0] + " (web worker)"
    script = argv.split()[0]
    return ".".join(script.removesuffix(".py").split("/")[-2:])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="store-ops-") as tmp:
        counts_dir = Path(tmp) / "counts"
        counts_dir.mkdir()
        stack = Stack(
            Path(tmp),
            extra_env={**UNLIMITED, "PYTHONPATH": str(HERE / "opcount"), "OPCOUNT_DIR": str(counts_dir)},
        ).start()
        try:
            env = stack.env()
            prefix = env.get("MONGODB_DATABASE_PREFIX", "")
            client = MongoClient(env["MONGODB_URI"])
            cases = client[f"{prefix}business_desk"]["cases"]
            mails = client[f"{prefix}notify"]["outgoing_mail"]

            submit_all(stack.url("intake"), args.count, args.clients)
            done = wait_until(lambda: cases.count_documents({}) >= args.count, 300) and wait_until(
                lambda: mails.count_documents({"status": "sent"}) >= args.count, 300
            )
            client.close()
        finally:
            stack.stop()
        if not done:
            print("warning: not every case was queued and every receipt sent in time")
        per_process: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
        for path in counts_dir.glob("*.json"):
            record = json.loads(path.read_text())
            per_process[process_name(record["process"])].update(record["counts"])
    total = sum(sum(c.values()) for c in per_process.values()) / args.count
    print(f"store commands per inquiry ({args.count} inquiries, {args.clients} clients): {total:.1f}")
    for name, counts in sorted(per_process.items(), key=lambda item: -sum(item[1].values())):
        print(f"  {sum(counts.values()) / args.count:5.2f}  {name}")
        for command, n in counts.most_common(6):
            if n / args.count >= 0.05:
                print(f"           {n / args.count:5.2f}  {command}")


if __name__ == "__main__":
    main()
