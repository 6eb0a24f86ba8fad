"""A handler attaches documents for the applicant to a request for completion and to a
decision (through its preview): checked as intake checks an applicant's files, refused at
the file field in the page's language with the typed text kept, stored in GridFS under
the case, described in the event (never the bytes), shown on the case page, fetched by
intake through the API, and erased with the case's personal data."""

from __future__ import annotations

import io
import re
import threading

import pytest
import requests
from bson import ObjectId
from werkzeug.serving import make_server

from business_desk import handlers
from conftest import case_inquiry, csrf_token

pytestmark = pytest.mark.integration

PDF = b"%PDF-1.4\n% a ritning\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


@pytest.fixture
def claimed(desk, signed_in, page_client):
    app, processor, db = desk
    processor.process(case_inquiry(1, "outdoor_seating", "2026-11-20"))
    processor.process(case_inquiry(2, "outdoor_seating", "2026-11-20"))
    api = signed_in(app, "case_handler")
    ids = [api.get(f"/api/v1/cases/by-reference/BUS-2026-T0000{n}").get_json()["id"] for n in (1, 2)]
    for case_id in ids:
        assert api.post(f"/api/v1/cases/{case_id}/claim").status_code == 200
    return app, db, page_client(app, "case_handler", "sv"), ids


def post(browser, case_id: str, action: str, data: dict, files: list[tuple[bytes, str]] = ()):  # type: ignore[assignment]
    page = browser.get(f"/cases/{case_id}").get_data(as_text=True)
    body = {"csrf_token": csrf_token(page), **data}
    if files:
        body["documents"] = [(io.BytesIO(content), name) for content, name in files]
    return browser.post(f"/cases/{case_id}/{action}", data=body, content_type="multipart/form-data")


def stored_event(db, event_type: str) -> dict:
    return db["events"].find_one({"type": event_type}, sort=[("_id", -1)])


def test_a_completion_request_sends_a_document_described_in_the_event(claimed, signed_in):
    app, db, browser, (case_id, _) = claimed
    sent = post(
        browser, case_id, "completion-request", {"message": "Fyll i blanketten."}, [(PDF, "blankett.pdf")]
    )
    assert sent.status_code == 303
    event = stored_event(db, "business_desk.completion_requested")
    assert event["schema_version"] == 4 and event["data"]["document_count"] == 1
    assert b"%PDF" not in repr(event).encode()  # the bytes are never in the event
    assert isinstance(event["data"]["personal"], str)  # the file's name is sealed with the message
    case = app.extensions["business_desk.deps"].cases.get(case_id)
    [document] = case["history"][-1]["documents"]
    assert document["filename"] == "blankett.pdf" and document["size"] == len(PDF)
    assert document["content_type"] == "application/pdf"

    page = browser.get(f"/cases/{case_id}").get_data(as_text=True)
    link = f"/cases/{case_id}/documents/{document['attachment_id']}"
    assert f'href="{link}">blankett.pdf</a>' in page
    assert browser.get(link).data == PDF
    # intake fetches it with its own service token; no other service may
    api_url = f"/api/v1/cases/{case_id}/documents/{document['attachment_id']}"
    assert signed_in(app, "service:intake").get(api_url).data == PDF
    for caller in ("service:notify", "service:vouchers"):
        assert signed_in(app, caller).get(api_url).status_code == 403


def test_another_cases_document_id_is_not_found(claimed, signed_in):
    app, _db, browser, (case_id, other_id) = claimed
    post(browser, case_id, "completion-request", {"message": "Fyll i."}, [(PDF, "blankett.pdf")])
    [document] = app.extensions["business_desk.deps"].cases.get(case_id)["history"][-1]["documents"]
    file_id = document["attachment_id"]
    assert browser.get(f"/cases/{other_id}/documents/{file_id}").status_code == 404
    intake = signed_in(app, "service:intake")
    assert intake.get(f"/api/v1/cases/{other_id}/documents/{file_id}").status_code == 404
    assert intake.get(f"/api/v1/cases/{case_id}/documents/not-an-id").status_code == 404


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (
            [(b"MZ\x90\x00 an exe", "blankett.pdf")],
            "Filen är inte en PDF-, JPEG-, PNG- eller Word-fil (docx)",
        ),
        ([(PNG, "bild.pdf")], "Filen är inte en PDF-, JPEG-, PNG- eller Word-fil (docx)"),
        ([(b"", "tom.pdf")], "Filen är tom"),
        ([(PDF * 1000, "stor.pdf")], "Filen är för stor"),
        ([(PDF, f"{n}.pdf") for n in range(6)], "Högst fem handlingar kan bifogas"),
    ],
)
def test_a_refused_document_is_named_at_its_field_and_the_text_is_kept(claimed, files, message):
    app, db, browser, (case_id, _) = claimed
    app.extensions["business_desk.deps"].settings = replace_max(app, 1024)
    refused = post(browser, case_id, "completion-request", {"message": "Skicka <ritningen>."}, files)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert f'<p class="field-error" id="completion-documents-error">{message}' in html
    assert 'aria-invalid="true"' in html and '<a href="#completion-documents">' in html
    assert "Skicka &lt;ritningen&gt;.</textarea>" in html
    assert db["documents.files"].count_documents({}) == 0
    assert stored_event(db, "business_desk.completion_requested") is None


def test_refusals_are_in_english_on_an_english_page(claimed, page_client):
    app, _db, _, (case_id, _) = claimed
    browser = page_client(app, "case_handler", "en")
    refused = post(browser, case_id, "completion-request", {"message": "Please."}, [(PNG, "x.docx")])
    assert refused.status_code == 422
    assert "The file is not a PDF, JPEG, PNG or Word file (docx) (x.docx)" in refused.get_data(as_text=True)


def test_a_decisions_document_survives_the_preview_and_is_sent_on_confirm(claimed):
    app, db, browser, (case_id, _other_id) = claimed
    form = {"outcome": "granted", "answer": "Beviljas.", "legal_reference": "Ordningslagen 3 kap. 1 §"}
    preview = post(browser, case_id, "decision", form, [(PDF, "villkor.pdf")])
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and 'id="preview-documents"' in html and "villkor.pdf" in html
    assert "Kommunen har bifogat en handling till dig." in html  # the letter says so
    [pending_id] = set(re.findall(r'name="document" value="([0-9a-f]{24})"', html))
    assert stored_event(db, "business_desk.case_decided") is None

    # going back to edit keeps it; confirming sends it
    edit = browser.post(
        f"/cases/{case_id}/decision",
        data={"csrf_token": csrf_token(html), **form, "document": pending_id, "step": "edit"},
    )
    assert f'name="document" value="{pending_id}"' in edit.get_data(as_text=True)
    confirmed = browser.post(
        f"/cases/{case_id}/decision",
        data={"csrf_token": csrf_token(html), **form, "document": pending_id, "step": "confirm"},
    )
    assert confirmed.status_code == 303
    event = stored_event(db, "business_desk.case_decided")
    assert event["schema_version"] == 4 and event["data"]["document_count"] == 1
    case = app.extensions["business_desk.deps"].cases.get(case_id)
    assert [d["attachment_id"] for d in case["decision"]["documents"]] == [pending_id]
    page = browser.get(f"/cases/{case_id}").get_data(as_text=True)
    assert f'href="/cases/{case_id}/documents/{pending_id}">villkor.pdf</a>' in page


def test_a_pending_upload_of_another_case_is_not_taken_into_a_decision(claimed):
    _app, db, browser, (case_id, other_id) = claimed
    form = {"outcome": "granted", "answer": "Beviljas.", "legal_reference": "Ordningslagen 3 kap. 1 §"}
    preview = post(browser, other_id, "decision", form, [(PDF, "annans.pdf")])
    [foreign] = set(re.findall(r'name="document" value="([0-9a-f]{24})"', preview.get_data(as_text=True)))
    page = browser.get(f"/cases/{case_id}").get_data(as_text=True)
    confirmed = browser.post(
        f"/cases/{case_id}/decision",
        data={"csrf_token": csrf_token(page), **form, "document": foreign, "step": "confirm"},
    )
    assert confirmed.status_code == 303
    event = stored_event(db, "business_desk.case_decided")
    assert event["data"]["case_id"] == case_id and event["data"]["document_count"] == 0
    assert browser.get(f"/cases/{case_id}/documents/{foreign}").status_code == 404
    # and a pending upload is not downloadable even from its own case until it is sent
    assert browser.get(f"/cases/{other_id}/documents/{foreign}").status_code == 404


def test_the_documents_are_erased_with_the_case(claimed, signed_in):
    app, db, browser, (case_id, other_id) = claimed
    post(browser, case_id, "completion-request", {"message": "Fyll i."}, [(PDF, "blankett.pdf")])
    post(browser, other_id, "completion-request", {"message": "Fyll i."}, [(PDF, "annan.pdf")])
    deps = app.extensions["business_desk.deps"]
    [document] = deps.cases.get(case_id)["history"][-1]["documents"]
    api = signed_in(app, "case_handler")
    assert api.post(f"/api/v1/cases/{case_id}/applicant-reply", json={"reply": "Ifylld."}).status_code == 200
    decided = api.post(f"/api/v1/cases/{case_id}/decision", json={"outcome": "granted", "answer": "Ja."})
    assert decided.status_code == 200
    handlers.erase_personal_data(deps, case_id, "test")
    assert db["documents.files"].count_documents({"metadata.case_id": case_id}) == 0
    assert db["documents.chunks"].count_documents({"files_id": ObjectId(document["attachment_id"])}) == 0
    assert db["documents.files"].count_documents({"metadata.case_id": other_id}) == 1
    assert browser.get(f"/cases/{case_id}/documents/{document['attachment_id']}").status_code == 404
    assert all(not h.get("documents") for h in deps.cases.get(case_id)["history"])


def replace_max(app, max_bytes: int):
    from dataclasses import replace

    return replace(app.extensions["business_desk.deps"].settings, document_max_bytes=max_bytes)


def test_a_document_of_several_megabytes_is_taken_as_the_form_promises(claimed):
    """Up to DOCUMENT_MAX_BYTES each, over HTTP as a browser sends it: a 3 MB drawing is sent
    (it was refused with a bare 413 once the multipart parser's buffer passed the 64 kB meant
    for text fields)."""
    app, db, browser, (case_id, _) = claimed
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        page = browser.get(f"/cases/{case_id}").get_data(as_text=True)
        cookies = {cookie.key: cookie.value for cookie in browser._cookies.values()}
        drawing = PDF + b"0" * (3 * 1024 * 1024)
        sent = requests.post(
            f"http://127.0.0.1:{server.server_port}/cases/{case_id}/completion-request",
            data={"csrf_token": csrf_token(page), "message": "Se ritningen."},
            files={"documents": ("ritning.pdf", drawing, "application/pdf")},
            cookies=cookies,
            allow_redirects=False,
            timeout=30,
        )
    finally:
        server.shutdown()
    assert sent.status_code == 303, sent.text[:300]
    assert stored_event(db, "business_desk.completion_requested")["data"]["document_count"] == 1
