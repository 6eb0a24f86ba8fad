"""intake's handlers through the service's own wiring with fakes (bootstrap's keyword
adapters): an in-memory store whose hook keeps the in-memory tracking view, and the
consumed case events handed over as the consumer does. Nothing is connected."""

from datetime import UTC, datetime

import pytest

from catalogue import casetypes
from intake import handlers
from intake.bootstrap import Deps, bootstrap
from intake.domain.inquiries import SubmitInquiry
from intake.readmodels.fakes import InMemoryTracking
from intake.service import CASE_EVENTS, ERASED, consumed_handlers
from intake.settings import IntakeSettings
from kernel.eventsourcing.contracts import golden_example
from kernel.eventsourcing.envelope import Envelope
from kernel.eventsourcing.memory_store import InMemoryEventStore
from kernel.web.auth import Principal
from kernel.web.paging import PageRequest

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


class Files:
    def __init__(self) -> None:
        self.erased: list[str] = []

    def delete_for(self, inquiry_id: str, session=None) -> int:  # type: ignore[no-untyped-def]
        self.erased.append(inquiry_id)
        return 0


class Links:
    def __init__(self) -> None:
        self.erased: list[str] = []

    def erase_subject(self, subject_id: str, session=None) -> None:  # type: ignore[no-untyped-def]
        self.erased.append(subject_id)


@pytest.fixture
def deps() -> Deps:
    settings = IntakeSettings.from_env()
    tracking = InMemoryTracking()
    return bootstrap(
        settings,
        clock=lambda: NOW,
        store=InMemoryEventStore(hooks=[tracking.apply], clock=lambda: NOW),
        tracking=tracking,  # type: ignore[arg-type]
        catalogue=casetypes.load(settings.case_types_file),
        attachments=Files(),  # type: ignore[arg-type]
        sign_in_links=Links(),  # type: ignore[arg-type]
        messages=lambda _reference: [],
    )


def submitted(deps: Deps):  # type: ignore[no-untyped-def]
    command = SubmitInquiry(
        organisation_number="556036-0793",
        organisation_country="SE",
        company="Kafé Solsidan AB",
        contact_name="Anna Berg",
        email="anna@example.se",
        phone="08-123 456 78",
        case_type="general_business_advice",
        description="Får vi ställa ut en skylt?",
        language="sv",
    )
    return handlers.submit(command, deps)


def case_event(event_type: str, inquiry_id: str, subject_id: str) -> Envelope:
    raw = golden_example(event_type)
    raw["data"].update(case_id=inquiry_id, subject_id=subject_id)
    if "inquiry_id" in raw["data"]:  # a case's id is its inquiry's
        raw["data"]["inquiry_id"] = inquiry_id
    return Envelope.from_dict(raw)


def test_a_store_given_needs_the_tracking_view_its_hook_keeps():
    with pytest.raises(TypeError):
        bootstrap(IntakeSettings.from_env(), store=InMemoryEventStore())


def test_a_submitted_inquiry_is_tracked_by_its_link_and_reached_by_its_organisation(deps):
    receipt = submitted(deps)
    doc = handlers.case_by_link(deps, receipt.tracking_token)
    assert doc["_id"] == receipt.inquiry_id and doc["status"] == "submitted"
    with pytest.raises(handlers.LinkRefused):
        handlers.case_by_link(deps, receipt.tracking_token + "x")
    principal = Principal(
        subject="applicant", roles=frozenset({"applicant"}), organisations=frozenset({"5560360793"})
    )
    page = handlers.own_cases(deps, principal, PageRequest(limit=10))
    assert [d["_id"] for d in page.items] == [receipt.inquiry_id]
    assert handlers.applicant_view(deps, doc, "en")["reference"] == receipt.reference


def test_the_consumed_case_events_move_the_case_and_an_erasure_erases_files_and_links(deps):
    receipt = submitted(deps)
    subject_id = deps.tracking.by_id(receipt.inquiry_id)["subject_id"]
    consumed = consumed_handlers(deps)
    assert set(consumed) == {*CASE_EVENTS, ERASED}
    consumed["business_desk.case_opened"](
        case_event("business_desk.case_opened", receipt.inquiry_id, subject_id), None
    )
    assert deps.tracking.by_id(receipt.inquiry_id)["status"] == "registered"
    consumed[ERASED](case_event(ERASED, receipt.inquiry_id, subject_id), None)
    erased = deps.tracking.by_id(receipt.inquiry_id)
    assert erased["company"] is None and erased["personal_erased_on"]
    assert deps.attachments.erased == [receipt.inquiry_id]  # type: ignore[union-attr]
    assert deps.sign_in_links.erased == [subject_id]  # type: ignore[union-attr]
