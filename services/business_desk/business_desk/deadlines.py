"""Entrypoint: warn the handler and the team lead about open cases that have used a
warning share of their time (e.g. 70 and 90 %), every DEADLINES_INTERVAL_S seconds
(or once, with --once: for a Kubernetes CronJob). Each warning is an event of the case;
notify emails it."""

from __future__ import annotations

import logging
import os

from business_desk import handlers
from business_desk.bootstrap import Deps, bootstrap
from business_desk.settings import DeskSettings
from kernel.platform.runners import configure_logging, run_periodically

log = logging.getLogger("business_desk.deadlines")


def run_once(deps: Deps) -> int:
    warned = handlers.issue_warnings(deps)
    if warned:
        log.info("warned about %d cases close to their deadline", len(warned))
    return len(warned)


def main() -> None:
    configure_logging("business_desk-deadlines")
    settings = DeskSettings.from_env()
    run_periodically(
        "business_desk-deadlines",
        run_once,
        float(os.environ.get("DEADLINES_INTERVAL_S", "600")),
        settings,
        setup=lambda db: bootstrap(settings, db=db),
    )


if __name__ == "__main__":
    main()
