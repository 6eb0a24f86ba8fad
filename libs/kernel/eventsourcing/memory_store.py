"""The event store in memory, for unit tests of domain logic and handlers: the same
contract as the MongoDB store (kernel.eventsourcing.eventstore), no I/O."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import datetime

from kernel.eventsourcing.envelope import Envelope, seal, utc_now
from kernel.eventsourcing.eventstore import AppendHook, ConcurrencyError, Upcasters
from kernel.privacy.personal import ERASURE_EVENT_SUFFIX

log = logging.getLogger(__name__)


class InMemoryEventStore:
    def __init__(
        self,
        upcasters: Upcasters | None = None,
        hooks: Sequence[AppendHook] = (),
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._log: list[Envelope] = []
        self._streams: dict[str, list[Envelope]] = {}
        self._lock = threading.Lock()
        self._upcasters = upcasters or Upcasters()
        self._hooks = list(hooks)
        self._clock = clock

    def append(self, stream_id, expected_version, events, meta, session=None):
        with self._lock:
            stream = self._streams.setdefault(stream_id, [])
            if len(stream) != expected_version:
                raise ConcurrencyError(f"{stream_id} is at version {len(stream)}, not {expected_version}")
            sealed = seal(stream_id, expected_version + 1, list(events), meta, self._clock())
            if any(e.type.endswith(ERASURE_EVENT_SUFFIX) for e in sealed):
                self._redact(stream)
            stream.extend(sealed)
            self._log.extend(sealed)
        for hook in self._hooks:
            hook(sealed, session)
        return sealed

    def _redact(self, stream: list[Envelope]) -> None:
        for index, event in enumerate(stream):
            data = self._upcasters.redacted(event.type, event.schema_version, event.data)
            if data is not None:
                redacted = event.with_data(data, event.schema_version)
                stream[index] = redacted
                self._log[self._log.index(event)] = redacted

    def load(self, stream_id, session=None):
        return [self._upcasters.upcast(e) for e in self._streams.get(stream_id, [])]

    def read_after(self, position, limit=500):
        return [
            (index + 1, self._upcasters.upcast(e))
            for index, e in enumerate(self._log[position : position + limit], start=position)
        ]

    def read_settled_after(self, position, limit=500):
        batch = self.read_after(position, limit)
        return batch, batch[-1][0] if batch else position

    def read_all(self, batch_size=1000):
        for _, envelope in self.read_after(0, len(self._log)):
            yield envelope
