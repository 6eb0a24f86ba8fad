import json
from datetime import UTC, datetime

import pytest

from kernel.eventsourcing.envelope import Envelope, InvalidEnvelope, Metadata, NewEvent, seal


def test_sealed_events_carry_versions_and_metadata_and_round_trip_as_json():
    meta = Metadata(
        correlation_id="c-1", causation_id="e-0", traceparent="00-" + "a" * 32 + "-" + "b" * 16 + "-01"
    )
    now = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    first, second = seal("case-1", 3, [NewEvent("x.one", {"a": 1}), NewEvent("x.two", {"b": "å"})], meta, now)
    assert (first.version, second.version) == (3, 4)
    assert first.correlation_id == "c-1" and first.causation_id == "e-0"
    assert Envelope.from_json(second.to_json()) == second


def test_caused_by_keeps_the_correlation_and_points_at_the_cause():
    cause = seal("a-1", 1, [NewEvent("x.y", {})], Metadata.new(), datetime.now(UTC))[0]
    meta = Metadata.caused_by(cause)
    assert meta.correlation_id == cause.correlation_id
    assert meta.causation_id == cause.event_id


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"not json", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (json.dumps({"type": "x"}).encode(), "missing envelope fields"),
    ],
)
def test_unreadable_messages_say_why(payload, reason):
    with pytest.raises(InvalidEnvelope, match=reason):
        Envelope.from_json(payload)
