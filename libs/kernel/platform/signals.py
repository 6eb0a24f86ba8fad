"""A process's loop runs until SIGTERM or SIGINT, then finishes its current step and closes."""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)


def run_until_signalled(work: Callable[[threading.Event], None]) -> None:
    """Run a loop until SIGTERM or SIGINT, then let it finish its current step and close."""
    stop = threading.Event()

    def request_stop(signum: int, _frame: object) -> None:
        log.info("signal %s: stopping", signum)
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    started = time.monotonic()
    work(stop)
    log.info("stopped after %.1fs", time.monotonic() - started)
