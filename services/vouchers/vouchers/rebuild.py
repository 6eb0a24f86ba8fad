"""Entrypoint: rebuild the vouchers service's read models from its events."""

from __future__ import annotations

import time

from kernel.runners import configure_logging
from kernel.settings import Settings
from vouchers.bootstrap import bootstrap


def main() -> None:
    configure_logging("vouchers-rebuild")
    deps = bootstrap(Settings.from_env("vouchers"))
    started = time.perf_counter()
    count = deps.read.rebuild(deps.store.read_all())
    print(f"rebuilt the vouchers read models from {count} events in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
