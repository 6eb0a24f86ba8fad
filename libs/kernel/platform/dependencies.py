"""Which of a process's dependencies (the store, the broker, SMTP, the SMS gateway, the
OpenID provider, another service's API) are away right now, told by the errors the code
meets and by the successes that follow. One tracker per process: it logs exactly one
line when a dependency goes away and one when it is back, and /readyz reads it.

An error is an outage when it says the dependency cannot be reached (the store's
connection and server-selection errors, the broker's retriable errors, or an adapter's
DependencyUnavailable), not when the dependency answered and refused."""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from pymongo import monitoring
from pymongo.errors import ConnectionFailure, OperationFailure, PyMongoError

log = logging.getLogger("kernel.platform.dependencies")

STORE = "store"
BROKER = "broker"
SMTP = "smtp"
SMS_GATEWAY = "sms gateway"
OPENID_PROVIDER = "openid provider"

# The store is shutting down or stepping down: it answered, but will not be there.
_STORE_GOING_AWAY_CODES = frozenset({91, 189, 10107, 11600, 11602, 13435, 13436})
_MAX_REASON_CHARS = 160

Probe = Callable[[], object]


class DependencyUnavailable(Exception):
    """A dependency cannot be reached now (raised by its adapter). `probe`, if given,
    raises while it is still away: /readyz asks it to tell when it is back."""

    def __init__(self, dependency: str, reason: str, probe: Probe | None = None) -> None:
        super().__init__(f"{dependency} unavailable: {reason}")
        self.dependency = dependency
        self.reason = reason
        self.probe = probe


def is_kafka_error(exc: BaseException) -> bool:
    """Whether `exc` is the Kafka client's. A process that never imported the client (a web
    server: importing it is a fifth of its start) cannot have met one."""
    errors = sys.modules.get("kafka.errors")
    return errors is not None and isinstance(exc, errors.KafkaError)


def dependency_of(exc: BaseException) -> str | None:
    """The dependency an error says is away, or None if it is no outage."""
    if isinstance(exc, DependencyUnavailable):
        return exc.dependency
    if isinstance(exc, ConnectionFailure):
        return STORE
    if isinstance(exc, OperationFailure) and exc.code in _STORE_GOING_AWAY_CODES:
        return STORE
    if isinstance(exc, PyMongoError) and exc.has_error_label("RetryableWriteError"):
        return STORE
    if is_kafka_error(exc) and exc.retriable:  # type: ignore[attr-defined]
        return BROKER
    return None


def reason_of(exc: BaseException) -> str:
    """One short line: the driver's messages run to a whole topology description."""
    text = exc.reason if isinstance(exc, DependencyUnavailable) else f"{type(exc).__name__}: {exc}"
    first = text.splitlines()[0] if text else type(exc).__name__
    return first if len(first) <= _MAX_REASON_CHARS else first[: _MAX_REASON_CHARS - 1] + "…"


@dataclass(frozen=True)
class Outage:
    since: float
    reason: str
    probe: Probe | None = None


class DependencyTracker:
    def __init__(self, logger: logging.Logger = log, clock: Callable[[], float] = time.monotonic) -> None:
        self._log = logger
        self._clock = clock
        self._lock = threading.Lock()
        self._away: dict[str, Outage] = {}

    def away(self, dependency: str, reason: str, probe: Probe | None = None) -> None:
        with self._lock:
            if dependency in self._away:
                return
            self._away[dependency] = Outage(self._clock(), reason, probe)
        self._log.warning("%s unreachable: %s", dependency, reason)

    def back(self, dependency: str) -> None:
        if dependency not in self._away:  # the common case, without the lock
            return
        with self._lock:
            outage = self._away.pop(dependency, None)
        if outage is not None:
            self._log.warning("%s back after %.1f s", dependency, self._clock() - outage.since)

    def report(self, exc: BaseException) -> str | None:
        """Note the outage an error tells of; returns its dependency (None: no outage)."""
        dependency = dependency_of(exc)
        if dependency is not None:
            probe = exc.probe if isinstance(exc, DependencyUnavailable) else None
            self.away(dependency, reason_of(exc), probe)
        return dependency

    def is_away(self, dependency: str) -> bool:
        return dependency in self._away

    def away_for(self, dependency: str) -> float:
        outage = self._away.get(dependency)
        return 0.0 if outage is None else self._clock() - outage.since

    def outages(self) -> dict[str, Outage]:
        with self._lock:
            return dict(self._away)

    def forget(self) -> None:
        """Forget every outage without a word (tests: one process runs many services)."""
        with self._lock:
            self._away.clear()


TRACKER = DependencyTracker()


def check(tracker: DependencyTracker, dependency: str, probe: Probe) -> str | None:
    """Ask a dependency whether it answers, noting the answer: None when it does, else
    the reason it does not."""
    try:
        probe()
    except Exception as exc:
        existing = tracker.outages().get(dependency)
        reason = reason_of(exc)
        tracker.away(dependency, reason, existing.probe if existing else None)
        return reason
    tracker.back(dependency)
    return None


class StoreListener(monitoring.CommandListener):
    """Every command the store answers tells it is back (however the outage was noticed)."""

    def __init__(self, tracker: DependencyTracker = TRACKER) -> None:
        self._tracker = tracker

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        pass

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        self._tracker.back(STORE)

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


def readiness(
    checks: dict[str, Probe], tracker: DependencyTracker = TRACKER
) -> tuple[dict[str, object], int]:
    """The /readyz body and status: ready (200) while every dependency answers. Each of
    `checks` (a dependency's name: a probe that raises if it does not answer) is asked
    now; a dependency the process found away meanwhile (SMTP, the SMS gateway, another
    service) counts as away until its probe, or its next successful use, says it is back."""
    results: dict[str, str] = {}
    for dependency, probe in list(checks.items()):
        reason = check(tracker, dependency, probe)
        results[dependency] = "ok" if reason is None else f"failing: {reason}"
    for dependency, outage in tracker.outages().items():
        if dependency in results:
            continue
        if outage.probe is not None and check(tracker, dependency, outage.probe) is None:
            results[dependency] = "ok"
            continue
        away_s = tracker.away_for(dependency)
        results[dependency] = f"failing: {outage.reason} (for {away_s:.0f} s)"
    ready = all(v == "ok" for v in results.values())
    return {"status": "ready" if ready else "not ready", "checks": results}, 200 if ready else 503
