"""In-memory read models for unit tests of the handlers: kept from the events by the
in-memory store's append hook, as the real ones are by the Mongo store's. They answer
what the handlers that decide from a stream's history ask of them (a programme's default
provider; the unpaid redemptions of a month, none: a redemption is decided from the real
voucher documents); the queries of the API's lists, the redemptions and the figures are
the real read models' own (tested on the store)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kernel.eventsourcing.envelope import Envelope
from vouchers.domain import events as ev


class InMemoryReadModels:
    def __init__(self) -> None:
        self.defaults: dict[str, str] = {}  # programme -> its default provider

    def ensure_schema(self) -> None:
        pass

    def apply(self, events: Sequence[Envelope], session: Any = None) -> None:
        for event in events:
            if event.type == ev.DEFAULT_PROVIDER_DESIGNATED:
                self.defaults[event.data["programme"]] = event.data["provider_id"]

    def default_provider_id(self, programme: str) -> str | None:
        return self.defaults.get(programme)

    def unpaid(self, month: str) -> dict[str, list[dict[str, Any]]]:
        return {}
