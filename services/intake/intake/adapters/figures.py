"""The live processing-time figures the public case-type pages show, read from
business_desk's open KPI feed (the same figures municipalities compare themselves
with), kept for a minute so a busy page does not ask for every visitor."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import requests

log = logging.getLogger(__name__)


class LiveFigures:
    def __init__(
        self,
        desk_url: str,
        ttl_s: float = 60.0,
        fetch: Callable[[str], dict[str, Any]] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = f"{desk_url}/api/v1/kpi"
        self._ttl_s = ttl_s
        self._fetch = fetch or _get_json
        self._clock = clock
        self._lock = threading.Lock()
        # (when fetched or last tried, the figures by case type or None if never reached)
        self._cached: tuple[float, dict[str, dict[str, Any]] | None] | None = None

    def for_case_type(self, case_type: str) -> dict[str, Any] | None:
        """Decided, median days and share within target over the last 12 months; None
        while business_desk cannot be reached (the page says so rather than guess)."""
        figures = self._all()
        return figures.get(case_type) if figures is not None else None

    def _all(self) -> dict[str, dict[str, Any]] | None:
        with self._lock:
            now = self._clock()
            if self._cached is not None and now - self._cached[0] < self._ttl_s:
                return self._cached[1]
            try:
                feed = self._fetch(self._url)
            except (requests.RequestException, ValueError) as exc:
                # keep what we had (or nothing) until the next try, so an outage does not
                # make every page wait for a timeout
                log.warning("live figures unavailable: %s", exc)
                self._cached = (now, self._cached[1] if self._cached else None)
                return self._cached[1]
            by_type = {
                row["case_type"]: {**row, "period": feed.get("period")} for row in feed.get("values", [])
            }
            self._cached = (now, by_type)
            return by_type


def _get_json(url: str) -> dict[str, Any]:
    response = requests.get(url, timeout=2)
    response.raise_for_status()
    return dict(response.json())
