"""The survey's comment and the further document, in the domain: pure."""

from datetime import UTC, date, datetime

import pytest

from catalogue import casetypes
from intake.domain.inquiries import (
    COMPLETION_ANSWERED,
    SURVEY_ANSWERED,
    Inquiry,
    NothingToAnswer,
    SubmitInquiry,
    answer_survey,
    send_document,
    submit_inquiry,
)
from intake.domain.upcasters import upcasters
from intake.settings import IntakeSettings
from kernel.eventsourcing import contracts
from kernel.eventsourcing.contracts import golden_example
from kernel.eventsourcing.envelope import Envelope, Metadata
from kernel.eventsourcing.memory_store import InMemoryEventStore

CATALOGUE = casetypes.load(IntakeSettings.from_env().case_types_file)
NOW = datetime(2026, 11, 24, 9, tzinfo=UTC)
SCORES = {"overall": 8, "expectations": 7, "ideal": 7}
FILE = {
    "attachment_id": "6745a1c2e4b0f1a2b3c4d5e6",
    "filename": "intyg.pdf",
    "content_type": "application/pdf",
    "size": 10,
    "sha256": "0" * 64,
    "scan": "clean",
}


def history() -> tuple[InMemoryEventStore, str]:
    command = SubmitInquiry(
        "5560360793", "SE", "Kafé AB", "Anna", "a@example.se", "08-1", "outdoor_seating", "Bord", "sv"
    )
    submitted = submit_inquiry(command, CATALOGUE, NOW)
    store = InMemoryEventStore(upcasters=upcasters())
    store.append(submitted.stream_id, 0, submitted.events, Metadata.new())
    return store, submitted.stream_id


def test_the_comment_is_sealed_personal_data_of_the_contact():
    store, stream = history()
    inquiry = Inquiry.from_history(store.load(stream))
    [event] = answer_survey(
        inquiry, True, False, "outdoor_seating", SCORES, date(2027, 1, 2), "  Tack Anna!  "
    )
    assert event.schema_version == 2 and event.data["subject_id"] == inquiry.subject_id
    assert event.data["personal"] == {"comment": "Tack Anna!"}
    with pytest.raises(ValueError):
        answer_survey(inquiry, True, False, "outdoor_seating", SCORES, date(2027, 1, 2), "x" * 1001)


def test_a_v1_survey_answer_reads_as_a_v2_one_without_a_comment():
    old = golden_example("intake.survey_answered")
    old["schema_version"] = 1
    for key in ("subject_id", "personal"):
        old["data"].pop(key)
    upcast = upcasters().upcast(Envelope.from_dict(old))
    assert upcast.schema_version == 2 and "personal" not in upcast.data
    contracts.validate(upcast)


def test_a_further_document_is_sent_once_and_only_with_a_file_and_a_short_note():
    store, stream = history()
    today = date(2026, 12, 1)
    with pytest.raises(NothingToAnswer):
        send_document(store.load(stream), False, "", [FILE], today)
    with pytest.raises(ValueError):
        send_document(store.load(stream), True, "Här.", [], today)
    with pytest.raises(ValueError):
        send_document(store.load(stream), True, "x" * 501, [FILE], today)
    [event] = send_document(store.load(stream), True, "Intyget.", [FILE], today)
    assert event.type == COMPLETION_ANSWERED and event.data["personal"]["answer"] == "Intyget."
    store.append(stream, 1, [event], Metadata.new())
    assert send_document(store.load(stream), True, "Intyget.", [FILE], today) == []  # a double submit
    other = {**FILE, "sha256": "1" * 64}
    assert send_document(store.load(stream), True, "Intyget.", [other], today)  # another file: sent
    assert SURVEY_ANSWERED not in {e.type for e in store.load(stream)}
