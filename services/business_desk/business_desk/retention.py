"""Entrypoint: erase the personal data of cases decided longer ago than RETENTION_DAYS,
every RETENTION_INTERVAL_S seconds (or once, with --once: for a Kubernetes CronJob)."""

from __future__ import annotations

import argparse
import logging
import os
import threading

from business_desk import handlers
from business_desk.bootstrap import Deps, bootstrap
from kernel.consumer import run_until_signalled
from kernel.runners import configure_logging
from kernel.settings import Settings

log = logging.getLogger("business_desk.retention")


def run_once(deps: Deps) -> int:
    erased = handlers.erase_expired(deps)
    if erased:
        log.info("erased the personal data of %d decided cases: %s", len(erased), ", ".join(erased))
    return len(erased)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--once", action="store_true", help="one round, then exit")
    args = parser.parse_args()
    settings = Settings.from_env("business_desk")
    configure_logging("business_desk-retention")
    deps = bootstrap(settings)
    if args.once:
        run_once(deps)
        return
    interval = float(os.environ.get("RETENTION_INTERVAL_S", "3600"))

    def loop(stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                run_once(deps)
            except Exception:  # the store may be briefly away: try again next round
                log.exception("retention round failed")
            stop.wait(interval)

    run_until_signalled(loop)


if __name__ == "__main__":
    main()
