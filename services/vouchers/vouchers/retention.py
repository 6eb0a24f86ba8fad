"""Entrypoint: erase citizens' personal data on vouchers that ran out more than
RETENTION_DAYS ago and are paid in full, every RETENTION_INTERVAL_S seconds (or once,
with --once: for a Kubernetes CronJob)."""

from __future__ import annotations

import logging
import os

from kernel.platform.runners import configure_logging, run_periodically
from vouchers import handlers
from vouchers.bootstrap import Deps, bootstrap
from vouchers.settings import VouchersSettings

log = logging.getLogger("vouchers.retention")


def run_once(deps: Deps) -> list[str]:
    erased = handlers.erase_expired(deps)
    if erased:
        log.info("erased the citizen's personal data on %d vouchers: %s", len(erased), ", ".join(erased))
    return erased


def main() -> None:
    configure_logging("vouchers-retention")
    settings = VouchersSettings.from_env()
    run_periodically(
        "vouchers-retention",
        run_once,
        float(os.environ.get("RETENTION_INTERVAL_S", "3600")),
        settings,
        setup=lambda db: bootstrap(settings, db=db),
    )


if __name__ == "__main__":
    main()
