"""Entrypoint: erase the personal data of cases decided longer ago than RETENTION_DAYS,
every RETENTION_INTERVAL_S seconds (or once, with --once: for a Kubernetes CronJob)."""

from __future__ import annotations

import logging
import os

from business_desk import handlers
from business_desk.bootstrap import Deps, bootstrap
from business_desk.settings import DeskSettings
from kernel.platform.runners import configure_logging, run_periodically

log = logging.getLogger("business_desk.retention")


def run_once(deps: Deps) -> int:
    erased = handlers.erase_expired(deps)
    if erased:
        log.info("erased the personal data of %d decided cases: %s", len(erased), ", ".join(erased))
    return len(erased)


def main() -> None:
    configure_logging("business_desk-retention")
    settings = DeskSettings.from_env()
    run_periodically(
        "business_desk-retention",
        run_once,
        float(os.environ.get("RETENTION_INTERVAL_S", "3600")),
        settings,
        setup=lambda db: bootstrap(settings, db=db),
    )


if __name__ == "__main__":
    main()
