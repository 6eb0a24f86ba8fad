"""What the inbox keeps with a processed message: the event as it arrived and the notes its
effect made, only for the message being processed; and what it keeps on the real store."""

import uuid

import pytest

from kernel.eventsourcing import consumed
from kernel.eventsourcing.consumed import ConsumedEvents
from kernel.eventsourcing.envelope import Envelope
from kernel.eventsourcing.inbox import MongoInbox
from kernel.eventsourcing.processor import MessageProcessor


def envelope(event_type: str = "test.happened", **data) -> Envelope:
    return Envelope(
        str(uuid.uuid4()), event_type, 1, "thing-1", 1, "2026-12-01T10:00:00+00:00", "c", None, None, data
    )


def test_nothing_is_kept_or_noted_outside_a_message_being_processed():
    consumed.keep(envelope())
    consumed.note(index=1)  # an append hook outside a consumer: no-op
    with consumed.recording() as record:
        pass
    assert record.fields() == {}


def test_the_kept_event_carries_the_notes_of_its_own_effect_only():
    first, second = envelope(n=1), envelope(n=2)
    with consumed.recording() as outer:
        consumed.keep(first)
        with consumed.recording() as inner:
            consumed.keep(second)
            consumed.note(index=7)
        consumed.note(index=3)
    assert outer.fields() == {"event": first.to_dict(), "notes": {"index": 3}}
    assert inner.fields() == {"event": second.to_dict(), "notes": {"index": 7}}


@pytest.mark.integration
def test_the_inbox_keeps_the_event_sealed_as_it_arrived_and_reads_it_back_opened(mongo, personal):
    db = mongo[f"consumed_{uuid.uuid4().hex[:8]}"]
    subject = str(uuid.uuid4())
    arrived = personal.seal_event(envelope(subject_id=subject, personal={"name": "Anna"}))

    def handle(event, session):
        consumed.note(seen=event.data["personal"]["name"] == "Anna")

    processor = MessageProcessor(MongoInbox(db, "group"), {"test.happened": handle}, False, personal)
    assert processor.process(arrived.to_json()) is None
    assert processor.process(arrived.to_json()) is None  # redelivered: kept once
    [record] = db["processed_messages"].find()
    assert record["event"]["data"]["personal"] == arrived.data["personal"]  # sealed, as it came
    [kept] = ConsumedEvents(db, "group", personal).find({"data.subject_id": subject})
    assert kept.envelope.data["personal"] == {"name": "Anna"} and kept.notes == {"seen": True}
    assert ConsumedEvents(db, "other-group", personal).find() == []
    personal.vault.erase(subject, "test")
    [kept] = ConsumedEvents(db, "group", personal).find()
    assert kept.envelope.data["personal"] is None  # erased with its subject
