"""Entrypoint: rebuild business_desk's read models from its events under the rules in force
(run after changing a case type's target, extension or the holiday calendar)."""

from __future__ import annotations

import time

from business_desk.bootstrap import bootstrap
from kernel.runners import configure_logging
from kernel.settings import Settings


def main() -> None:
    configure_logging("business_desk-rebuild")
    deps = bootstrap(Settings.from_env("business_desk"))
    assert deps.cases is not None
    started = time.perf_counter()
    count = deps.cases.rebuild(deps.store.read_all())
    print(f"rebuilt the case read model from {count} events in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
