"""Contracts: the schemas are sound, producers' events match them, consumers accept the
golden examples, and the AsyncAPI document names every event."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
import yaml
from jsonschema import Draft202012Validator

from business_desk import handlers as desk_handlers
from business_desk.bootstrap import Deps
from business_desk.service import consumed_handlers  # noqa: F401 - the real consumer's wiring must import
from business_desk.settings import DeskSettings
from catalogue import casetypes
from devstack import settings_of
from intake.domain.inquiries import (
    Inquiry,
    SubmitInquiry,
    answer_completion,
    answer_survey,
    replace_tracking_link,
    request_sign_in_link,
    send_document,
    submit_inquiry,
)
from intake.domain.tracking import evolve
from intake.service import CASE_EVENTS, ERASED
from kernel.domain.actors import Actor, actor_id
from kernel.eventsourcing import contracts
from kernel.eventsourcing.contracts import CONTRACTS_DIR, golden_example
from kernel.eventsourcing.envelope import Envelope, Metadata
from kernel.eventsourcing.memory_store import InMemoryEventStore
from kernel.privacy.personal import InMemoryKeyVault, PersonalData
from notify.domain.messages import APPLICANT_EMAILS, STAFF_EMAILS, email_for, staff_emails

SCORES = {"overall": 8, "expectations": 7, "ideal": 7}
SCHEMAS = sorted(CONTRACTS_DIR.glob("events/*/v*.schema.json"))
EVENT_TYPES = sorted({path.parent.name for path in SCHEMAS})
ISSUER = "https://login.kommun.example"
CATALOGUE = casetypes.load(settings_of("intake").case_types_file).for_issuer(ISSUER)
PERSONAL = PersonalData(InMemoryKeyVault())


@pytest.mark.parametrize("path", SCHEMAS, ids=lambda p: p.parent.name)
def test_every_schema_is_a_valid_json_schema(path):
    Draft202012Validator.check_schema(json.loads(path.read_text()))


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_every_golden_example_matches_its_schema(event_type):
    """On the wire (personal data sealed) and opened (against `$defs/personal`)."""
    sealed = Envelope.from_dict(golden_example(event_type, personal=PERSONAL))
    contracts.validate(sealed)
    assert "Anna" not in sealed.to_json().decode()
    contracts.validate_personal(PERSONAL.open_event(sealed))


def test_the_asyncapi_document_names_every_schema_and_example():
    text = (CONTRACTS_DIR / "asyncapi.yaml").read_text()
    document = yaml.safe_load(text)
    names = {m["name"] for m in document["components"]["messages"].values()}
    assert set(EVENT_TYPES) <= names
    for event_type in EVENT_TYPES:
        version = contracts.current_version(event_type)
        assert f"events/{event_type}/v{version}.schema.json" in text
        assert f"examples/{event_type}.v{version}.json" in text


def test_producers_events_match_the_contracts():
    """Drive the real domain code through a case's whole life and validate every event."""
    now = datetime(2026, 11, 24, 9, tzinfo=UTC)
    store = InMemoryEventStore(clock=lambda: now)
    submitted = submit_inquiry(
        SubmitInquiry(
            "556036-0793",
            "SE",
            "Acme AB",
            "Anna",
            "anna@example.se",
            "08-123 45",
            "building_permit",
            "Garage",
            "en",
        ),
        CATALOGUE,
        now,
    )
    [inquiry] = store.append(submitted.stream_id, 0, submitted.events, Metadata.new())
    inquiry_domain = Inquiry.from_history([inquiry])
    store.append(
        submitted.stream_id, 1, replace_tracking_link(inquiry_domain, "applicant", "x" * 32), Metadata.new()
    )
    today = {"value": date(2026, 11, 24)}
    deps = Deps(
        settings=DeskSettings.from_env(),
        store=store,
        catalogue=CATALOGUE,
        clock=lambda: datetime.combine(today["value"], datetime.min.time(), UTC),
    )
    desk_handlers.open_case_from_inquiry(deps)(inquiry, None)
    case_id = submitted.inquiry_id
    hugo = Actor(actor_id(ISSUER, "hugo.handler"), "Hugo Handläggare")  # in the building team's roster
    tina = Actor(actor_id(ISSUER, "tina.lead"), "Tina Teamledare")
    erik = Actor(actor_id(ISSUER, "erik"), "Erik")
    desk_handlers.claim(deps, case_id, erik)
    desk_handlers.release(deps, case_id, erik)
    desk_handlers.assign(deps, case_id, hugo.id, tina)
    desk_handlers.change_status(deps, case_id, hugo, "site_visit")
    desk_handlers.add_note(deps, case_id, hugo, "Called the applicant.")
    desk_handlers.request_completion(deps, case_id, hugo, "Plans, please.")
    today["value"] = date(2026, 12, 1)
    # the applicant answers in the portal with a file; business_desk registers it as the reply
    attachment = {
        "attachment_id": "6745a1c2e4b0f1a2b3c4d5e6",
        "filename": "plans.pdf",
        "content_type": "application/pdf",
        "size": 1234,
        "sha256": "0" * 64,
        "scan": "not_scanned",
    }
    answer_events = answer_completion(
        Inquiry.from_history(store.load(submitted.stream_id)),
        True,
        "Plans attached.",
        [attachment],
        today["value"],
    )
    [answered] = store.append(submitted.stream_id, 2, answer_events, Metadata.new())
    desk_handlers.register_portal_answer(deps)(answered, None)
    # a further document after the answer: the same event; the desk keeps it as a note with its file
    certificate = {**attachment, "attachment_id": "6745a1c2e4b0f1a2b3c4d5e7", "sha256": "1" * 64}
    document_events = send_document(
        store.load(submitted.stream_id), True, "The fire safety certificate.", [certificate], today["value"]
    )
    [document] = store.append(submitted.stream_id, 3, document_events, Metadata.new())
    desk_handlers.register_portal_answer(deps)(document, None)
    desk_handlers.extend_deadline(deps, case_id, hugo, "Shoreline protection must be assessed.")
    today["value"] = date(2027, 6, 1)
    deps.cases = _OpenCases([case_id])  # the warnings need only the open cases' ids
    assert desk_handlers.issue_warnings(deps) == [case_id]
    desk_handlers.send_delay_notice(deps, case_id, hugo, "Waiting for the county board.", date(2027, 7, 1))
    desk_handlers.decide(deps, case_id, hugo, "refused", "The plan does not allow a garage here.")
    desk_handlers.close(deps, case_id, hugo, "Decision final.")
    desk_handlers.reopen(deps, case_id, hugo, "Appeal upheld.")
    desk_handlers.decide(deps, case_id, hugo, "granted", "Granted after the appeal.")
    history = store.load(submitted.stream_id)
    survey = answer_survey(
        Inquiry.from_history(history), True, False, "building_permit", SCORES, today["value"]
    )
    store.append(submitted.stream_id, len(history), survey, Metadata.new())
    link_stream, link_events = request_sign_in_link(
        "anna@example.se", "sv", "t" * 43, now, inquiry.data["subject_id"]
    )
    store.append(link_stream, 0, link_events, Metadata.new())
    deps.personal = PERSONAL
    today["value"] = date(2029, 12, 1)
    on_the_wire = [PERSONAL.seal_event(envelope) for _, envelope in store.read_after(0, 100)]
    desk_handlers.erase_personal_data(deps, case_id, "retention")
    produced = [envelope for _, envelope in store.read_after(0, 100)]
    assert {e.type for e in produced} == {
        t for t in EVENT_TYPES if t.startswith(("intake.", "business_desk."))
    }
    for envelope in produced:
        contracts.validate_personal(envelope)
    for envelope in [*on_the_wire, produced[-1]]:
        contracts.validate(Envelope.from_json(envelope.to_json()))


class _OpenCases:
    def __init__(self, ids: list[str]) -> None:
        self._ids = ids

    def active_ids(self) -> list[str]:
        return self._ids


def test_consumers_accept_the_golden_examples():
    # business_desk opens a case from the golden inquiry
    store = InMemoryEventStore()
    deps = Deps(settings=DeskSettings.from_env(), store=store, catalogue=CATALOGUE)
    inquiry = Envelope.from_dict(golden_example("intake.inquiry_submitted"))
    desk_handlers.open_case_from_inquiry(deps)(inquiry, None)
    assert [e.type for _, e in store.read_after(0)] == ["business_desk.case_opened"]
    # intake's tracking view takes every case event it subscribes to
    doc = evolve(None, inquiry)
    for event_type in (*CASE_EVENTS, ERASED):
        doc = evolve(doc, Envelope.from_dict(golden_example(event_type)))
        assert doc is not None, event_type
    # notify writes an email for every event it emails about
    for event_type in STAFF_EMAILS:
        assert staff_emails(Envelope.from_dict(golden_example(event_type)), "http://desk")
    for event_type in APPLICANT_EMAILS:
        email = email_for(
            Envelope.from_dict(golden_example(event_type)),
            {"email": "a@example.se", "name": "A", "language": "sv", "case_type": "building_permit"},
            None,
            CATALOGUE,
        )
        assert email.subject
