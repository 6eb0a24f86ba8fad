"""The one way long-running loops wait out an outage: capped exponential backoff with
jitter (tenacity's), a wait that a stop request (SIGTERM/SIGINT) cuts short, and the
dependency tracker told of each outage (one log line per change, not one per retry).

- `call_through_outages(call, stop)`: call until it succeeds; while it fails because a
  dependency is away, wait and call again. Any other error is the caller's.
- `RetryGate`: a step that a loop runs between its own work (notify's dispatch after a
  batch of messages): when it fails, the loop goes on and the step waits its backoff."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_when_event_set,
    wait_fixed,
    wait_random_exponential,
)

from kernel.platform.dependencies import TRACKER, DependencyTracker, dependency_of

log = logging.getLogger(__name__)

T = TypeVar("T")


class Stopped(Exception):
    """The process was asked to stop while it waited for a dependency."""


@dataclass(frozen=True)
class Backoff:
    """Delays of `floor_s` plus a random share of min(`initial_s` * 2^attempt, `max_s`):
    after an outage the processes do not all come back at the same instant."""

    initial_s: float = 0.1
    max_s: float = 10.0
    floor_s: float = 0.05

    @property
    def wait(self) -> Callable[[RetryCallState], float]:
        return wait_fixed(self.floor_s) + wait_random_exponential(multiplier=self.initial_s, max=self.max_s)

    def delay(self, attempt: int) -> float:
        """The wait after the `attempt`-th failure in a row (1 for the first)."""
        state = RetryCallState(Retrying(), None, (), {})
        state.attempt_number = attempt
        return self.wait(state)


OUTAGE_BACKOFF = Backoff()


def call_through_outages(
    call: Callable[[], T],
    stop: threading.Event,
    backoff: Backoff = OUTAGE_BACKOFF,
    tracker: DependencyTracker = TRACKER,
) -> T:
    """`call()`'s result once it succeeds. Raises Stopped if a stop is requested while a
    dependency is away, and whatever else `call` raises that is no outage."""
    failed: set[str] = set()

    def note(state: RetryCallState) -> None:
        assert state.outcome is not None
        dependency = tracker.report(state.outcome.exception())  # logs only the first
        if dependency is not None:
            failed.add(dependency)

    def sleep(seconds: float) -> None:
        if stop.wait(seconds):
            raise Stopped

    retrying = Retrying(
        retry=retry_if_exception(lambda exc: dependency_of(exc) is not None),
        wait=backoff.wait,
        stop=stop_when_event_set(stop),
        sleep=sleep,
        before_sleep=note,
        reraise=True,
    )
    try:
        result = retrying(call)
    except Exception as exc:
        if stop.is_set() and dependency_of(exc) is not None:
            raise Stopped from exc
        raise
    for dependency in failed:  # the very call that failed went through
        tracker.back(dependency)
    return result


class RetryGate:
    """Runs a step unless it is waiting out its backoff after a failure. An outage is
    told to the tracker; any other error is logged with its traceback once, until the
    step works again."""

    def __init__(
        self,
        name: str,
        backoff: Backoff = OUTAGE_BACKOFF,
        tracker: DependencyTracker = TRACKER,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self._backoff = backoff
        self._tracker = tracker
        self._clock = clock
        self._failures = 0
        self._broken = False  # failed for another reason than an outage: logged
        self._not_before = 0.0

    @property
    def failures(self) -> int:
        """Failures in a row so far."""
        return self._failures

    def run(self, step: Callable[[], object]) -> bool:
        """Whether the step ran and succeeded."""
        if self._clock() < self._not_before:
            return False
        try:
            step()
        except Stopped:
            raise  # the step waited for a dependency and was told to stop: so is the loop
        except Exception as exc:
            self._failures += 1
            self._not_before = self._clock() + self._backoff.delay(self._failures)
            if self._tracker.report(exc) is None and not self._broken:
                self._broken = True
                log.exception("%s failed; retried with backoff", self.name)
            return False
        if self._broken:
            log.info("%s works again after %d failures", self.name, self._failures)
        self._failures, self._broken = 0, False
        return True
