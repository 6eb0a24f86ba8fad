"""Entrypoint: the monthly payment run. Each round pays last month if it is not paid
yet (a provider already paid for the month is skipped), so it is safe to run hourly,
from a Kubernetes CronJob with --once, or again after a crash."""

from __future__ import annotations

import logging
import os

from kernel.platform.runners import configure_logging, run_periodically
from vouchers import handlers
from vouchers.bootstrap import Deps, bootstrap
from vouchers.domain.figures import previous_month
from vouchers.settings import VouchersSettings

log = logging.getLogger("vouchers.payments")


def run_once(deps: Deps) -> list[str]:
    month = previous_month(deps.clock().date())
    made = handlers.run_payments(deps, month)
    if made:
        log.info("paid %d providers for %s: %s", len(made), month, ", ".join(made))
    return made


def main() -> None:
    configure_logging("vouchers-payments")
    settings = VouchersSettings.from_env()
    run_periodically(
        "vouchers-payments",
        run_once,
        float(os.environ.get("PAYMENT_RUN_INTERVAL_S", "3600")),
        settings,
        setup=lambda db: bootstrap(settings, db=db),
    )


if __name__ == "__main__":
    main()
