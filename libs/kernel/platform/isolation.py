"""Work over many items where one bad item must not stop the others: a periodic job's
round (deadline warnings, erasure, payments) does each item alone. A failed item is
logged with its reason and counted, and tried again next round; the rest go on. An
unreachable dependency fails the round instead (every item would fail alike)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from prometheus_client import Counter

from kernel.platform.dependencies import dependency_of

log = logging.getLogger(__name__)

ITEM_FAILURES = Counter(
    "job_item_failures_total", "Items a periodic job failed on (tried next round)", ["job"]
)

Item = TypeVar("Item")
Result = TypeVar("Result")


def each_alone(
    job: str, items: Iterable[Item], work: Callable[[Item], Result]
) -> Iterator[tuple[Item, Result]]:
    """(item, result) for every item whose work succeeded, in order."""
    for item in items:
        try:
            result = work(item)
        except Exception as exc:
            if dependency_of(exc) is not None:
                raise
            ITEM_FAILURES.labels(job).inc()
            log.exception("%s: failed on %s, going on with the rest: %r", job, str(item)[:200], exc)
            continue
        yield item, result
