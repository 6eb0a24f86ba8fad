"""Loaded by every service process that bench/store_ops.py starts (it puts this folder
on PYTHONPATH): counts the commands each process sends to MongoDB, written at exit."""

import atexit
import collections
import json
import os
import sys

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
        with open(os.path.join(folder, f"{os.getpid()}.json"), "w") as out:
            json.dump({"process": " ".join(sys.argv), "counts": _counts}, out)


monitoring.register(_Counter())
atexit.register(_write)
