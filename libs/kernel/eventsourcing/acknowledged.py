"""What the broker acknowledged for a relay's recent events, to notice a broker that lost
acknowledged messages (its tail) and publish them again. Pure: no Kafka here.

A partition's offsets only grow. A broker that lost its tail (the embedded one, killed or
stopped while it had not saved what it had acknowledged; a real Kafka after an unclean
leader election) gives the lost offsets to the next messages instead: an acknowledgement
at or below one it gave before, or an end offset at or below the last offset it
acknowledged, means the messages acknowledged from there on are gone. The relay then
publishes again from the first event the broker acknowledged at or after that offset, in
store order. Consumers are idempotent, and a consumer that had read the lost messages
before the broker lost them skips their copies in the same order, so nobody misses one."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass

Partition = tuple[str, int]  # topic, partition


@dataclass(frozen=True)
class Delivered:
    """Where the broker says it put a message."""

    topic: str
    partition: int
    offset: int

    @property
    def at(self) -> Partition:
        return (self.topic, self.partition)


@dataclass(frozen=True)
class TailLost:
    partition: Partition
    from_offset: int  # the first offset whose message is gone
    republish_after: int  # the relay's position to go back to (the events after it go again)
    complete: bool  # False: the loss reaches back past what is remembered (all is published again)

    def describe(self) -> str:
        topic, partition = self.partition
        since = "" if self.complete else " (back past what this relay remembers)"
        return (
            f"the broker lost acknowledged messages of {topic}[{partition}] from offset "
            f"{self.from_offset}{since}: publishing again after position {self.republish_after}"
        )


class AcknowledgedOffsets:
    """The recent (position, offset) pairs per partition, and each partition's last offset."""

    def __init__(
        self,
        remember: int = 50_000,
        unsure_for_s: float = 120.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._remember = remember
        self._unsure_for_s = unsure_for_s
        self._clock = clock
        self._recent: dict[Partition, deque[tuple[int, int]]] = {}  # (position, offset), oldest first
        self._last: dict[Partition, int] = {}
        self._last_at: dict[Partition, float] = {}
        self._floor: dict[Partition, int] = {}  # from this offset on, every acknowledgement is remembered

    def record(self, position: int, delivered: Delivered) -> TailLost | None:
        """Note an acknowledgement (position: the event's, or of the event it stands for)."""
        at = delivered.at
        lost = None
        if at in self._last and delivered.offset <= self._last[at]:
            lost = self._lost_from(at, delivered.offset)
        recent = self._recent.setdefault(at, deque())
        recent.append((position, delivered.offset))
        self._floor.setdefault(at, delivered.offset)
        if len(recent) > self._remember:
            recent.popleft()
            self._floor[at] = recent[0][1]
        self._last[at] = delivered.offset
        self._last_at[at] = self._clock()
        return lost

    def unsure(self) -> list[Partition]:
        """Partitions acknowledged recently enough that the broker may still lose them."""
        now = self._clock()
        return [at for at, when in self._last_at.items() if now - when < self._unsure_for_s]

    def check_ends(self, ends: Mapping[Partition, int]) -> list[TailLost]:
        """Compare the brokers' end offsets (the next offset it will give) with what it acknowledged."""
        return [
            self._lost_from(at, end) for at, end in ends.items() if at in self._last and end <= self._last[at]
        ]

    def _lost_from(self, at: Partition, offset: int) -> TailLost:
        """Forget what was acknowledged at or after `offset` (the broker gives it out again)
        and say from where to publish again. When the loss reaches back past what is
        remembered (acknowledgements to an earlier run, or forgotten), the relay cannot
        tell which events they were: it publishes everything again."""
        recent = self._recent.get(at, deque())
        lost = [position for position, acknowledged in recent if acknowledged >= offset]
        kept = deque((p, o) for p, o in recent if o < offset)
        self._recent[at] = kept
        if kept:
            self._last[at] = kept[-1][1]
        else:
            self._last.pop(at, None)
        if offset < self._floor.get(at, offset) or not lost:
            return TailLost(at, offset, 0, complete=False)
        return TailLost(at, offset, min(lost) - 1, complete=True)
