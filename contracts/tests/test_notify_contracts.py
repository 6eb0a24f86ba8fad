"""notify's delivery log events, as its code makes them, match their contracts."""

from __future__ import annotations

from datetime import UTC, datetime

from kernel.eventsourcing import contracts
from kernel.eventsourcing.envelope import Envelope, Metadata, seal
from notify.domain.deliverylog import bounced_event, failed_event, queued_event, sent_events

MAIL = {
    "_id": "00000001-0d59-4f48-af0c-809b8016979d:receipt:sms",
    "reference": "BUS-2026-7KQ29X",
    "channel": "sms",
    "event_type": "intake.inquiry_submitted",
    "attempts": 3,
}


def test_the_delivery_log_events_match_their_contracts():
    events = [
        queued_event(MAIL),
        *sent_events([MAIL, {**MAIL, "channel": "email"}]),
        failed_event(MAIL, "x" * 900),
    ]
    events.append(bounced_event({**MAIL, "channel": "email"}, "550 mailbox unavailable"))
    sealed = seal("message-x", 1, events, Metadata.new(), datetime.now(UTC))
    assert {e.type for e in sealed} == {
        "notify.message_queued",
        "notify.message_sent",
        "notify.message_failed",
        "notify.message_bounced",
    }
    for envelope in sealed:
        contracts.validate(Envelope.from_json(envelope.to_json()))
    assert len(sealed[3].data["error"]) == 500  # a long error is cut, not refused
