"""The event envelope: stored with the event and sent as the Kafka message value."""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

ENVELOPE_FIELDS = (
    "event_id",
    "type",
    "schema_version",
    "stream_id",
    "version",
    "occurred_at",
    "correlation_id",
    "causation_id",
    "traceparent",
    "data",
)


class InvalidEnvelope(ValueError):
    """A message that cannot be read as an envelope."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True)
class NewEvent:
    """What a domain decision produces, before the store gives it a stream position."""

    type: str
    data: dict[str, Any]
    schema_version: int = 1


@dataclass(frozen=True)
class Envelope:
    event_id: str
    type: str
    schema_version: int
    stream_id: str
    version: int
    occurred_at: str
    correlation_id: str
    causation_id: str | None
    traceparent: str | None
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> bytes:
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":")).encode()

    def with_data(self, data: dict[str, Any], schema_version: int) -> Envelope:
        return replace(self, data=data, schema_version=schema_version)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Envelope:
        missing = [name for name in ENVELOPE_FIELDS if name not in raw]
        if missing:
            raise InvalidEnvelope(f"missing envelope fields: {', '.join(missing)}")
        if not isinstance(raw["data"], dict):
            raise InvalidEnvelope("'data' must be an object")
        if not isinstance(raw["version"], int) or not isinstance(raw["schema_version"], int):
            raise InvalidEnvelope("'version' and 'schema_version' must be integers")
        return cls(**{name: raw[name] for name in ENVELOPE_FIELDS})

    @classmethod
    def from_json(cls, payload: bytes | str) -> Envelope:
        try:
            raw = json.loads(payload)
        except (ValueError, UnicodeDecodeError) as exc:
            raise InvalidEnvelope(f"not JSON: {exc}") from exc
        if not isinstance(raw, dict):
            raise InvalidEnvelope("the message is not a JSON object")
        return cls.from_dict(raw)


@dataclass(frozen=True)
class Metadata:
    """Where an event comes from: the request or message that caused it."""

    correlation_id: str
    causation_id: str | None = None
    traceparent: str | None = None

    @classmethod
    def new(cls, traceparent: str | None = None) -> Metadata:
        return cls(correlation_id=new_id(), traceparent=traceparent)

    @classmethod
    def caused_by(cls, cause: Envelope, traceparent: str | None = None) -> Metadata:
        return cls(
            correlation_id=cause.correlation_id,
            causation_id=cause.event_id,
            traceparent=traceparent or cause.traceparent,
        )


def seal(
    stream_id: str, first_version: int, events: list[NewEvent], meta: Metadata, now: datetime
) -> list[Envelope]:
    """Give new events their ids, versions and metadata."""
    return [
        Envelope(
            event_id=new_id(),
            type=event.type,
            schema_version=event.schema_version,
            stream_id=stream_id,
            version=first_version + offset,
            occurred_at=now.isoformat(),
            correlation_id=meta.correlation_id,
            causation_id=meta.causation_id,
            traceparent=meta.traceparent,
            data=event.data,
        )
        for offset, event in enumerate(events)
    ]
