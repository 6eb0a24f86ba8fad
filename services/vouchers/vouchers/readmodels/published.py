"""The published comparison, kept in the store: a public request reads one document, not
every voucher and redemption of the programme. The read model marks the kept figures
stale whenever it applies an event (they change only then, or when the day turns); the
first request that finds them stale claims a short lease and computes them afresh, and
any other request meanwhile is answered with the figures as they were. COMPARISON_CACHE_S
(default 300) bounds how old kept figures may get in any case."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pymongo.client_session import ClientSession
from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from vouchers.domain import figures as fig

if TYPE_CHECKING:
    from vouchers.bootstrap import Deps

LEASE_S = 60.0  # a computation that died leaves its lease: another may take it after this


class PublishedFigures:
    def __init__(
        self,
        collection: Collection,
        compute: Callable[[str], dict[str, Any]],
        max_age_s: float,
        today: Callable[[], str],
        now: Callable[[], float] = time.time,
    ) -> None:
        self._kept, self._compute, self._max_age_s = collection, compute, max_age_s
        self._today, self._now = today, now

    def comparison(self, programme_id: str) -> dict[str, Any]:
        kept = self._kept.find_one({"_id": programme_id})
        if kept is not None and "figures" in kept and not self._stale(kept):
            return kept["figures"]  # type: ignore[no-any-return]
        if self._claim(programme_id):
            return self._refresh(programme_id)
        if kept is not None and "figures" in kept:
            return kept["figures"]  # type: ignore[no-any-return]  # another request is computing them
        return self._compute(programme_id)  # never computed yet, and another request is at it

    def _stale(self, kept: dict[str, Any]) -> bool:
        return (
            kept.get("stale", True)
            or kept["figures"].get("as_of") != self._today()
            or self._now() - kept.get("computed_at", 0.0) > self._max_age_s
        )

    def _claim(self, programme_id: str) -> bool:
        now = self._now()
        try:
            claimed = self._kept.update_one(
                {"_id": programme_id, "leased_until": {"$not": {"$gt": now}}},
                {"$set": {"leased_until": now + LEASE_S}},
                upsert=True,
            )
        except DuplicateKeyError:  # the document exists with a lease still running
            return False
        return claimed.modified_count == 1 or claimed.upserted_id is not None

    def _refresh(self, programme_id: str) -> dict[str, Any]:
        # stale is cleared before the reads: an event applied while they run marks it again
        self._kept.update_one({"_id": programme_id}, {"$set": {"stale": False}})
        try:
            figures = self._compute(programme_id)
        except Exception:
            self._kept.update_one({"_id": programme_id}, {"$set": {"stale": True, "leased_until": 0.0}})
            raise
        self._kept.update_one(
            {"_id": programme_id},
            {"$set": {"figures": figures, "computed_at": self._now(), "leased_until": 0.0}},
        )
        return figures


def mark_stale(collection: Collection, session: ClientSession | None = None) -> None:
    """Every programme's kept figures are to be computed again (a handful of documents)."""
    collection.update_many({}, {"$set": {"stale": True}}, session=session)


def published_figures(deps: Deps, max_age_s: float) -> PublishedFigures:
    """The kept comparison of the programmes in `deps`, computed from its read models."""
    read = deps.read

    def compute(programme_id: str) -> dict[str, Any]:
        return fig.comparison(
            deps.programmes.get(programme_id),
            read.providers_of(programme_id),
            read.vouchers_of_programme(programme_id),
            read.deliveries(programme_id),
            deps.clock().date(),
        )

    return PublishedFigures(read.published, compute, max_age_s, lambda: deps.clock().date().isoformat())
