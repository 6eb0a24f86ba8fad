"""Loaded by every service process that bench/store_ops.py and bench/sustained_rate.py
start (they put this folder on PYTHONPATH): counts the commands each process sends to
MongoDB, by collection and command, written to OPCOUNT_DIR/<pid>.json at exit and, with
OPCOUNT_EVERY_S set, every that many seconds (so a benchmark can take the difference
between two moments). A forked web worker counts its own from zero."""

import atexit
import collections
import json
import os
import sys
import threading

from pymongo import monitoring

_counts: collections.Counter[str] = collections.Counter()


class _Counter(monitoring.CommandListener):
    def started(self, event: monitoring.CommandStartedEvent) -> None:
        target = event.command.get(event.command_name)
        collection = target if isinstance(target, str) else ""
        _counts[f"{collection}:{event.command_name}"] += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


def _write() -> None:
    folder = os.environ.get("OPCOUNT_DIR")
    if folder and _counts:
        path = os.path.join(folder, f"{os.getpid()}.json")
        with open(f"{path}.tmp", "w") as out:
            json.dump({"process": " ".join(sys.argv), "counts": dict(_counts)}, out)
        os.replace(f"{path}.tmp", path)  # a reader never sees half a file


def _write_periodically() -> None:
    every = float(os.environ.get("OPCOUNT_EVERY_S") or 0)
    if every <= 0:
        return

    def loop() -> None:
        while True:
            threading.Event().wait(every)
            _write()

    threading.Thread(target=loop, daemon=True, name="opcount").start()


def _in_forked_child() -> None:
    _counts.clear()  # the parent's commands are the parent's
    _write_periodically()  # threads do not survive a fork


monitoring.register(_Counter())
atexit.register(_write)
os.register_at_fork(after_in_child=_in_forked_child)
_write_periodically()
