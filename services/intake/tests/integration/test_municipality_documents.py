"""The documents the municipality sent with a request for completion or a decision: listed
on the applicant's case page, downloaded through intake (fetched from business_desk) only
by the holder of the case's link, only those the case's own events named, and gone once
the case's personal data is erased."""

from __future__ import annotations

import pytest

from conftest import kafe_solsidan_inquiry
from intake import create_app
from intake.adapters.documents import File, Unavailable
from kernel.eventsourcing.contracts import golden_example
from kernel.eventsourcing.envelope import Envelope

pytestmark = pytest.mark.integration

DOCUMENT_ID = golden_example("business_desk.completion_requested")["data"]["personal"]["documents"][0][
    "attachment_id"
]
PDF = b"%PDF-1.4 blankett"


@pytest.fixture
def app(settings_for):
    application = create_app(settings_for("intake"))
    application.fetched = []  # type: ignore[attr-defined]

    def fake_desk(case_id: str, document_id: str) -> File | None:
        application.fetched.append((case_id, document_id))  # type: ignore[attr-defined]
        return File(PDF, "application/pdf", "attachment; filename*=UTF-8''blankett.pdf")

    application.extensions["intake.deps"].documents = fake_desk
    return application


def case_with(app, *event_types: str) -> tuple[str, str]:
    inquiry = kafe_solsidan_inquiry(case_type="alcohol_serving_licence", language="sv")
    receipt = app.test_client().post("/api/v1/inquiries", json=inquiry).get_json()
    for event_type in event_types:
        raw = golden_example(event_type)
        raw["data"]["case_id"] = receipt["inquiry_id"]
        app.extensions["intake.deps"].tracking.apply([Envelope.from_dict(raw)], None)
    return receipt["inquiry_id"], receipt["tracking_url"].rsplit("/", 1)[1]


def test_the_tracking_page_lists_the_documents_and_the_link_holder_downloads_them(app):
    inquiry_id, token = case_with(app, "business_desk.completion_requested")
    client = app.test_client()
    page = client.get(f"/track/{token}?lang=sv").get_data(as_text=True)
    assert 'id="municipality-documents"' in page and "Handlingar från kommunen" in page
    link = f"/track/{token}/documents/{DOCUMENT_ID}?lang=sv"
    assert f'href="{link}" download>ritning-med-anteckningar.pdf</a>' in page
    assert "med begäran om komplettering," in page
    english = client.get(f"/track/{token}?lang=en").get_data(as_text=True)
    assert "Documents from the municipality" in english

    got = client.get(link)
    assert got.status_code == 200 and got.data == PDF and got.mimetype == "application/pdf"
    assert app.fetched == [(inquiry_id, DOCUMENT_ID)]


def test_a_document_of_another_case_or_a_wrong_link_is_not_found(app):
    _, token = case_with(app, "business_desk.case_opened")  # no documents on this one
    case_with(app, "business_desk.completion_requested")  # the document is another case's
    client = app.test_client()
    assert 'id="municipality-documents"' not in client.get(f"/track/{token}").get_data(as_text=True)
    assert client.get(f"/track/{token}/documents/{DOCUMENT_ID}").status_code == 404
    assert client.get(f"/track/{'0' * 24}.wrongsecret/documents/{DOCUMENT_ID}").status_code in (404, 410)
    assert client.get(f"/my-cases/whatever/documents/{DOCUMENT_ID}").status_code in (302, 401, 403, 404)
    assert app.fetched == []  # business_desk is never asked


def test_the_decisions_documents_join_the_list(app):
    _, token = case_with(app, "business_desk.completion_requested", "business_desk.case_decided")
    page = app.test_client().get(f"/track/{token}?lang=en").get_data(as_text=True)
    assert page.count("ritning-med-anteckningar.pdf") == 2 and "with the decision," in page


def test_business_desk_unreachable_is_said_in_the_page_language(app):
    _, token = case_with(app, "business_desk.completion_requested")

    def down(_case_id: str, _document_id: str) -> File | None:
        raise Unavailable("down")

    app.extensions["intake.deps"].documents = down
    got = app.test_client().get(f"/track/{token}/documents/{DOCUMENT_ID}?lang=sv")
    assert got.status_code == 502 and "Handlingen kan inte hämtas just nu" in got.get_data(as_text=True)


def test_erasure_takes_the_documents_off_the_case(app):
    inquiry_id, _ = case_with(app, "business_desk.completion_requested", "business_desk.case_decided")
    erased = golden_example("business_desk.personal_data_erased")
    erased["data"]["case_id"] = inquiry_id
    deps = app.extensions["intake.deps"]
    deps.tracking.apply([Envelope.from_dict(erased)], None)
    assert deps.tracking.by_id(inquiry_id).get("documents") == []


def test_the_documents_names_and_sha256_are_sealed_in_the_stored_tracking_document(app):
    inquiry_id, token = case_with(app, "business_desk.completion_requested")
    described = golden_example("business_desk.completion_requested")["data"]["personal"]["documents"][0]
    stored = app.extensions["intake.deps"].tracking._collection.find_one({"_id": inquiry_id})
    assert described["filename"] not in repr(stored) and described["sha256"] not in repr(stored)
    page = app.test_client().get(f"/track/{token}?lang=sv").get_data(as_text=True)
    assert described["filename"] in page  # opened for the page
