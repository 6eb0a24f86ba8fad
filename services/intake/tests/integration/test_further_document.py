"""The applicant's own on the case page: what they submitted, each answer and document
with its files (downloadable by them only), and a further document after the answer,
on the real store (GridFS) and with a virus-scan command."""

from __future__ import annotations

import io
import json
import re
import sys

import pytest
from markupsafe import escape

from conftest import csrf_token, kafe_solsidan_inquiry
from intake import create_app
from intake.bootstrap import bootstrap
from intake.service import consumed_handlers
from intake.settings import IntakeSettings
from kernel.eventsourcing.contracts import golden_example
from kernel.eventsourcing.envelope import Envelope
from kernel.eventsourcing.inbox import MongoInbox
from kernel.eventsourcing.processor import MessageProcessor
from kernel.platform.connections import mongo_client
from kernel.web.formats import filesize

pytestmark = pytest.mark.integration

DESCRIPTION = "Uteservering på torget, 12 bord."
INQUIRY = kafe_solsidan_inquiry(case_type="alcohol_serving_licence", description=DESCRIPTION, language="en")
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
SCANNER = f"{sys.executable} -c \"import sys; sys.exit(1 if b'EICAR' in sys.stdin.buffer.read() else 0)\""
ANSWERED = "intake.completion_answered"


@pytest.fixture
def app(settings_for, monkeypatch):
    monkeypatch.setenv("VIRUS_SCAN_COMMAND", SCANNER)
    monkeypatch.setenv("ATTACHMENT_MAX_BYTES", "200000")
    settings = settings_for("intake")
    application = create_app(settings)
    application.db = mongo_client(settings)[settings.database]
    return application


def case_event(app, event_type: str, inquiry_id: str) -> None:
    event = golden_example(event_type)
    event["data"]["case_id"] = inquiry_id
    app.extensions["intake.deps"].tracking.apply([Envelope.from_dict(event)], None)


def answered_case(app, client) -> tuple[str, str]:
    """A case whose handler asked for more, and whose applicant answered with a file."""
    receipt = client.post("/api/v1/inquiries", json=INQUIRY).get_json()
    inquiry_id, token = receipt["inquiry_id"], receipt["tracking_url"].rsplit("/", 1)[1]
    case_event(app, "business_desk.completion_requested", inquiry_id)
    page = client.get(f"/track/{token}?lang=en").get_data(as_text=True)
    sent = client.post(
        f"/track/{token}/answer?lang=en",
        data={
            "answer": "Här är ritningen.",
            "csrf_token": csrf_token(page),
            "files": [(io.BytesIO(PDF), "ritning.pdf")],
        },
        content_type="multipart/form-data",
    )
    assert sent.status_code == 303
    return inquiry_id, token


def post_document(client, token: str, files: list[tuple[bytes, str]], note: str = "", lang: str = "en"):
    page = client.get(f"/track/{token}?lang={lang}").get_data(as_text=True)
    data = {
        "document_note": note,
        "csrf_token": csrf_token(page),
        "document_files": [(io.BytesIO(b), name) for b, name in files],
    }
    return client.post(f"/track/{token}/document?lang={lang}", data=data, content_type="multipart/form-data")


def file_links(html: str) -> list[str]:
    return re.findall(r'href="(/track/[^"]+/files/[0-9a-f]{24})\?lang=', html)


def test_the_case_page_shows_what_the_applicant_sent_and_only_they_download_their_files(app):
    client = app.test_client()
    inquiry_id, token = answered_case(app, client)
    _, other_token = answered_case(app, client)
    html = client.get(f"/track/{token}?lang=en").get_data(as_text=True)
    section = html.split('id="sent-by-you"', 1)[1].split("</section>", 1)[0]
    assert "What you have sent" in section and escape(DESCRIPTION) in section
    assert "Kafé Solsidan AB" in section and "Anna Berg" in section and "556036-0793" in section
    assert "Your answer to the request for more information" in section and "Här är ritningen." in section
    assert f"ritning.pdf</a> ({filesize(len(PDF), 'en')})" in section
    [link] = file_links(html)
    fetched = client.get(link)
    assert (
        fetched.status_code == 200
        and fetched.data == PDF
        and "ritning.pdf" in fetched.headers["Content-Disposition"]
    )
    # another case's file through this case's link, and a made-up id: not found, the same
    [other_link] = file_links(client.get(f"/track/{other_token}").get_data(as_text=True))
    other_file = other_link.rsplit("/", 1)[1]
    assert client.get(f"/track/{token}/files/{other_file}").status_code == 404
    assert client.get(f"/track/{token}/files/{'0' * 24}").status_code == 404
    assert client.get(f"/track/{token}/files/not-an-id").status_code == 404
    assert client.get(f"/track/{'a' * 24}.nosecret/files/{other_file}").status_code == 404
    # at rest the inquiry's text and the answer are sealed
    stored = json.dumps(app.db["tracking"].find_one({"_id": inquiry_id}), default=str)
    assert "Uteservering" not in stored and "ritningen" not in stored and "ritning.pdf" not in stored
    # nor is a file's own name kept in clear with the file (the oplog would outlive erasure)
    assert "ritning.pdf" not in json.dumps(list(app.db["attachments.files"].find()), default=str)


def test_a_further_document_after_the_answer_is_sent_once_and_listed_in_order(app):
    client = app.test_client()
    inquiry_id, token = answered_case(app, client)
    page = client.get(f"/track/{token}?lang=en").get_data(as_text=True)
    assert 'id="document-form"' in page and 'id="answer-form"' not in page
    sent = post_document(client, token, [(PNG, "foto.png")], note="Ett foto av platsen.")
    assert sent.status_code == 303 and sent.headers["Location"].endswith("sent=document#sent")
    # the same document again (a double submit): nothing more is sent
    assert post_document(client, token, [(PNG, "foto.png")], note="Ett foto av platsen.").status_code == 303
    store = app.extensions["intake.deps"].store
    events = [e for e in store.load(f"inquiry-{inquiry_id}") if e.type == ANSWERED]
    assert [e.data["personal"]["answer"] for e in events] == ["Här är ritningen.", "Ett foto av platsen."]
    assert events[1].data["personal"]["attachments"][0]["scan"] == "clean"
    assert app.db["attachments.files"].count_documents({"metadata.inquiry_id": inquiry_id}) == 2

    html = client.get(f"/track/{token}?lang=en&sent=document").get_data(as_text=True)
    assert "The document has been sent" in html
    section = html.split('id="sent-by-you"', 1)[1].split("</section>", 1)[0]
    assert section.index("Här är ritningen.") < section.index("Further document") < section.index("foto.png")
    assert "You sent a further document in the portal (1 file attached)." in html
    # the case handler registered the reply: another document still goes; once decided, none
    case_event(app, "business_desk.applicant_replied", inquiry_id)
    assert post_document(client, token, [(PDF, "intyg.pdf")]).status_code == 303
    case_event(app, "business_desk.case_decided", inquiry_id)
    assert 'id="document-form"' not in client.get(f"/track/{token}").get_data(as_text=True)
    assert post_document(client, token, [(PDF, "sent.pdf")]).status_code == 409
    assert len([e for e in store.load(f"inquiry-{inquiry_id}") if e.type == ANSWERED]) == 3


def test_no_further_document_before_an_answer(app):
    client = app.test_client()
    receipt = client.post("/api/v1/inquiries", json=INQUIRY).get_json()
    token = receipt["tracking_url"].rsplit("/", 1)[1]
    page = client.get(f"/track/{token}").get_data(as_text=True)
    assert 'id="document-form"' not in page and 'id="sent-by-you"' in page
    assert post_document(client, token, [(PDF, "early.pdf")]).status_code == 409
    assert app.db["attachments.files"].count_documents({}) == 0


@pytest.mark.parametrize(
    ("lang", "files", "note", "field", "says"),
    [
        ("en", [], "Bara text.", "document_files", "Choose a file to send."),
        ("sv", [], "Bara text.", "document_files", "Välj en fil att skicka."),
        ("en", [(PDF, "a.pdf")], "x" * 501, "document_note", "at most 500 characters"),
        ("sv", [(PDF, "a.pdf")], "x" * 501, "document_note", "högst 500 tecken"),
        ("en", [(b"MZ\x90\x00", "tool.exe")], "Verktyget.", "document_files", "is not a PDF, JPEG, PNG"),
        ("sv", [(b"MZ\x90\x00", "tool.exe")], "Verktyget.", "document_files", "är inte en PDF, JPEG, PNG"),
        ("en", [(PDF + b"EICAR", "v.pdf")], "Virus.", "document_files", "stopped by the virus check"),
        ("sv", [(PDF + b"EICAR", "v.pdf")], "Virus.", "document_files", "stoppades av virskontrollen"),
        ("en", [(PDF + b"x" * 200_001, "big.pdf")], "Stor.", "document_files", "too large"),
        ("sv", [(PDF + b"x" * 200_001, "big.pdf")], "Stor.", "document_files", "för stor"),
        ("en", [(PDF, "a.pdf")], "Styr\x1b[2J tecken", "document_note", "Remove the control characters"),
        ("sv", [(PDF, "a.pdf")], "Styr\x1b[2J tecken", "document_note", "Ta bort styrtecknen"),
    ],
)
def test_a_refused_document_says_why_at_its_field_in_the_page_language_and_keeps_the_note(
    app, lang, files, note, field, says
):
    client = app.test_client()
    inquiry_id, token = answered_case(app, client)
    refused = post_document(client, token, files, note=note, lang=lang)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422, html
    assert 'id="error-summary"' in html and f'<a href="#{field}">' in html
    error = html.split(f'id="{field}-error">', 1)[1].split("</p>", 1)[0]
    assert says.lower() in error.lower()
    heading = {"en": "The document could not be sent", "sv": "Handlingen kunde inte skickas"}[lang]
    assert heading in html
    kept = note.replace("\x1b", "")
    assert f">{escape(kept)}</textarea>" in html
    store = app.extensions["intake.deps"].store
    assert len([e for e in store.load(f"inquiry-{inquiry_id}") if e.type == ANSWERED]) == 1
    assert app.db["attachments.files"].count_documents({"metadata.inquiry_id": inquiry_id}) == 1


def test_erasing_the_case_erases_the_further_document_and_what_was_sent(app):
    client = app.test_client()
    inquiry_id, token = answered_case(app, client)
    assert post_document(client, token, [(PNG, "foto.png")], note="Foto av Anna Berg.").status_code == 303
    assert app.db["attachments.files"].count_documents({"metadata.inquiry_id": inquiry_id}) == 2

    erased = golden_example("business_desk.personal_data_erased")
    erased["data"]["case_id"] = inquiry_id
    process = MessageProcessor(
        MongoInbox(app.db, "intake"), consumed_handlers(bootstrap(IntakeSettings.from_env(), app.db))
    ).process
    assert process(json.dumps(erased).encode()) is None
    assert app.db["attachments.files"].count_documents({"metadata.inquiry_id": inquiry_id}) == 0
    doc = app.extensions["intake.deps"].tracking.by_id(inquiry_id)
    assert doc["description"] is None and doc["contact_name"] is None
    assert [(a["kind"], a["text"], a["files"]) for a in doc["answers"]] == [
        ("answer", None, []),
        ("document", None, []),
    ]
    stored = json.dumps(app.db["tracking"].find_one({"_id": inquiry_id}), default=str)
    assert "Anna Berg" not in stored and "foto.png" not in stored


def test_my_cases_shows_the_own_files_and_takes_a_further_document_and_no_other_companys(app, page_client):
    """Anna (the demo applicant) represents 556703-7485: her company's case, from My cases."""
    client = app.test_client()
    own = client.post("/api/v1/inquiries", json={**INQUIRY, "organisation_number": "5567037485"}).get_json()
    own_id = own["inquiry_id"]
    other_id, other_token = answered_case(app, client)  # Kafé Solsidan's: not Anna's
    case_event(app, "business_desk.completion_requested", own_id)
    anna = page_client(app, "applicant")
    page = anna.get(f"/my-cases/{own_id}?lang=en").get_data(as_text=True)
    sent = anna.post(
        f"/my-cases/{own_id}/answer?lang=en",
        data={
            "answer": "Ritningen.",
            "csrf_token": csrf_token(page),
            "files": [(io.BytesIO(PDF), "egen.pdf")],
        },
        content_type="multipart/form-data",
    )
    assert sent.status_code == 303
    page = anna.get(f"/my-cases/{own_id}?lang=en").get_data(as_text=True)
    [link] = re.findall(rf'href="(/my-cases/{own_id}/files/[0-9a-f]{{24}})\?lang=', page)
    assert anna.get(link).data == PDF
    document = {
        "document_note": "",
        "csrf_token": csrf_token(page),
        "document_files": [(io.BytesIO(PNG), "foto.png")],
    }
    sent = anna.post(
        f"/my-cases/{own_id}/document?lang=en", data=document, content_type="multipart/form-data"
    )
    assert sent.status_code == 303 and sent.headers["Location"].startswith(f"/my-cases/{own_id}?")
    # another company's case and its file: not found, as if there were none
    [other_link] = file_links(client.get(f"/track/{other_token}").get_data(as_text=True))
    other_file = other_link.rsplit("/", 1)[1]
    assert anna.get(f"/my-cases/{other_id}/files/{other_file}").status_code == 404
    assert anna.get(f"/my-cases/{own_id}/files/{other_file}").status_code == 404
    assert app.test_client().get(link).status_code in (302, 401)  # not signed in
