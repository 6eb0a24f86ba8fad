"""Runs a service's entrypoint as its own process on a later day, the way a cron job
would run it then: `python -m tests.security.run_later 2029-01-03 kernel.platform.run
vouchers retention --once`. time-machine moves this process's wall clock only
(datetime.now, time.time), ticking on from 10:00 UTC of that day; monotonic clocks are
untouched, so timeouts and the store's connection pool behave as usual."""

from __future__ import annotations

import runpy
import sys
from datetime import UTC, date, datetime, time

import time_machine


def main() -> None:
    day, module, *args = sys.argv[1:]
    moment = datetime.combine(date.fromisoformat(day), time(10), UTC)
    with time_machine.travel(moment, tick=True):
        sys.argv = [module, *args]
        runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
