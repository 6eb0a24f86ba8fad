"""The applicant answers a request for completion in the portal, with files, on the
real store (GridFS) and with a virus-scan command."""

from __future__ import annotations

import io
import json
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

pytestmark = pytest.mark.integration

INQUIRY = kafe_solsidan_inquiry(
    case_type="alcohol_serving_licence", description="Serveringstillstånd.", language="en"
)
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
# exits 1 (infected) when the file holds the EICAR test marker
SCANNER = f"{sys.executable} -c \"import sys; sys.exit(1 if b'EICAR' in sys.stdin.buffer.read() else 0)\""


@pytest.fixture
def app(settings_for, monkeypatch):
    monkeypatch.setenv("VIRUS_SCAN_COMMAND", SCANNER)
    monkeypatch.setenv("ATTACHMENT_MAX_BYTES", "200000")
    settings = settings_for("intake")
    application = create_app(settings)
    application.db = mongo_client(settings)[settings.database]
    return application


def waiting_case(app) -> tuple[str, str]:
    """A submitted inquiry whose case handler asked for more information."""
    receipt = app.test_client().post("/api/v1/inquiries", json=INQUIRY).get_json()
    requested = golden_example("business_desk.completion_requested")
    requested["data"]["case_id"] = receipt["inquiry_id"]
    app.extensions["intake.deps"].tracking.apply([Envelope.from_dict(requested)], None)
    return receipt["inquiry_id"], receipt["tracking_url"].rsplit("/", 1)[1]


def post_answer(client, token: str, files: list[tuple[bytes, str]], text: str = "Here is the plan."):
    page = client.get(f"/track/{token}?lang=en").get_data(as_text=True)
    data = {
        "answer": text,
        "csrf_token": csrf_token(page),
        "files": [(io.BytesIO(b), name) for b, name in files],
    }
    return client.post(
        f"/track/{token}/answer?lang=en", data=data, content_type="multipart/form-data", follow_redirects=True
    )


def test_an_answer_with_a_file_is_stored_once_and_staff_can_fetch_the_file(app, signed_in):
    inquiry_id, token = waiting_case(app)
    client = app.test_client()
    assert 'id="answer-form"' in client.get(f"/track/{token}").get_data(as_text=True)
    sent = post_answer(client, token, [(PDF, "site plan.pdf")])
    assert sent.status_code == 200 and "Your answer is sent" in sent.get_data(as_text=True)

    [event] = app.db["events"].find({"type": "intake.completion_answered"})
    assert event["data"]["attachment_count"] == 1 and isinstance(event["data"]["personal"], str)  # sealed
    store = app.extensions["intake.deps"].store
    [answered] = [e for e in store.load(f"inquiry-{inquiry_id}") if e.type == "intake.completion_answered"]
    [file] = answered.data["personal"]["attachments"]
    assert file["content_type"] == "application/pdf" and file["scan"] == "clean" and file["size"] == len(PDF)

    page = client.get(f"/track/{token}?lang=en").get_data(as_text=True)
    assert "You sent your answer on" in page and 'id="answer-form"' not in page
    assert post_answer(client, token, [(PDF, "again.pdf")]).status_code == 409  # once per request

    url = f"/api/v1/inquiries/{inquiry_id}/attachments/{file['attachment_id']}"
    fetched = signed_in(app, "case_handler").get(url)
    assert fetched.status_code == 200 and fetched.data == PDF and fetched.mimetype == "application/pdf"
    assert "site%20plan.pdf" in fetched.headers["Content-Disposition"]
    assert signed_in(app, "case_handler_other_team").get(url).status_code == 403
    assert app.test_client().get(url).status_code == 401


@pytest.mark.parametrize(
    ("files", "says"),
    [
        ([(b"MZ\x90\x00 not a pdf", "plan.pdf")], "is not a PDF, JPEG, PNG or Word file"),
        ([(PDF + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE", "plan.pdf")], "stopped by the virus check"),
        ([(PDF + b"x" * 200_001, "big.pdf")], "too large"),
        ([(PDF, f"p{n}.pdf") for n in range(6)], "at most five files"),
        ([], "Write an answer or attach a file"),
    ],
)
def test_a_file_that_is_not_accepted_is_explained_and_nothing_is_stored(app, files, says):
    _, token = waiting_case(app)
    refused = post_answer(app.test_client(), token, files, text="" if not files else "Here.")
    assert refused.status_code == 422 and says in refused.get_data(as_text=True)
    assert app.db["events"].count_documents({"type": "intake.completion_answered"}) == 0
    assert app.db["attachments.files"].count_documents({}) == 0


@pytest.mark.parametrize(
    ("files", "text", "field"),
    [
        ([(b"MZ\x90\x00 not a document", "tool.exe")], "Planritningen kommer.\nHälsningar", "files"),
        ([], "Svar med styrtecken \x1b[2J och <b>", "answer"),
    ],
)
def test_a_refused_answer_keeps_what_the_applicant_typed_and_says_why_at_the_field(app, files, text, field):
    _, token = waiting_case(app)
    refused = post_answer(app.test_client(), token, files, text=text)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert 'id="answer-form"' in page and f'id="{field}-error"' in page
    kept = text.replace("\x1b", "")  # what the field refuses is not echoed back
    assert f">{escape(kept)}</textarea>" in page
    assert app.db["events"].count_documents({"type": "intake.completion_answered"}) == 0


def closed_case(app) -> tuple[str, str]:
    receipt = app.test_client().post("/api/v1/inquiries", json=INQUIRY).get_json()
    closed = golden_example("business_desk.case_closed")
    closed["data"]["case_id"] = receipt["inquiry_id"]
    app.extensions["intake.deps"].tracking.apply([Envelope.from_dict(closed)], None)
    return receipt["inquiry_id"], receipt["tracking_url"].rsplit("/", 1)[1]


def test_after_closing_the_applicant_answers_the_nki_survey_once(app):
    client = app.test_client()
    _, open_token = waiting_case(app)
    assert 'id="survey-form"' not in client.get(f"/track/{open_token}").get_data(as_text=True)

    _, token = closed_case(app)
    page = client.get(f"/track/{token}?lang=en").get_data(as_text=True)
    assert 'id="survey-form"' in page and page.count('type="radio"') == 30
    incomplete = client.post(
        f"/track/{token}/survey?lang=en", data={"overall": "8", "csrf_token": csrf_token(page)}
    )
    assert incomplete.status_code == 422 and "all three questions" in incomplete.get_data(as_text=True)
    answers = {"overall": "9", "expectations": "8", "ideal": "7", "csrf_token": csrf_token(page)}
    thanks = client.post(f"/track/{token}/survey?lang=en", data=answers, follow_redirects=True)
    assert thanks.status_code == 200 and "Thank you for your answers" in thanks.get_data(as_text=True)
    [event] = app.db["events"].find({"type": "intake.survey_answered"})
    assert event["data"]["scores"] == {"overall": 9, "expectations": 8, "ideal": 7}
    assert event["data"]["nki"] == 77.8 and event["data"]["case_type"] == "alcohol_serving_licence"
    assert client.post(f"/track/{token}/survey", data=answers).status_code == 409
    page = client.get(f"/track/{token}?lang=en").get_data(as_text=True)
    assert 'id="survey-form"' not in page and "You answered the survey on" in page


def test_erasing_the_case_erases_the_files_the_applicant_sent(app):
    inquiry_id, token = waiting_case(app)
    other_id, other_token = waiting_case(app)
    client = app.test_client()
    assert post_answer(client, token, [(PDF, "plan.pdf"), (PDF, "photo.pdf")]).status_code == 200
    assert post_answer(client, other_token, [(PDF, "kept.pdf")]).status_code == 200
    assert app.db["attachments.chunks"].count_documents({}) == 3

    erased = golden_example("business_desk.personal_data_erased")
    erased["data"]["case_id"] = inquiry_id
    process = MessageProcessor(
        MongoInbox(app.db, "intake"), consumed_handlers(bootstrap(IntakeSettings.from_env(), app.db))
    ).process
    assert process(json.dumps(erased).encode()) is None
    assert process(json.dumps(erased).encode()) is None  # delivered twice: nothing more happens

    left = list(app.db["attachments.files"].find())
    assert [f["metadata"]["inquiry_id"] for f in left] == [other_id]
    assert app.db["attachments.chunks"].count_documents({}) == 1


def test_files_of_an_answer_that_is_not_recorded_are_removed(app, monkeypatch):
    _, token = waiting_case(app)
    store = app.extensions["intake.deps"].store

    def store_fails(*args, **kwargs):
        raise ConnectionError("the store went away")

    monkeypatch.setattr(store, "append", store_fails)
    assert post_answer(app.test_client(), token, [(PDF, "plan.pdf")]).status_code == 500
    assert app.db["attachments.files"].count_documents({}) == 0
    assert app.db["attachments.chunks"].count_documents({}) == 0


@pytest.mark.parametrize(
    ("lang", "heading"), [("sv", "Svaret kunde inte skickas"), ("en", "could not be sent")]
)
def test_a_refused_answer_shows_its_error_on_the_case_page_and_the_language_switch_is_a_get(
    app, lang, heading
):
    _, token = waiting_case(app)
    client = app.test_client()
    page = client.get(f"/track/{token}?lang={lang}").get_data(as_text=True)
    data = {"answer": "  ", "csrf_token": csrf_token(page)}
    refused = client.post(f"/track/{token}/answer?lang={lang}", data=data, content_type="multipart/form-data")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and heading in html
    assert 'id="error-summary"' in html and '<a href="#answer">' in html and 'id="answer-error"' in html
    assert f'href="/track/{token}?lang=en"' in html and f'href="/track/{token}?lang=sv"' in html
    assert "answer?lang=" not in html.split("<nav>", 1)[1].split("</nav>", 1)[0]
    kept = client.post(
        f"/track/{token}/answer?lang={lang}",
        data={"answer": "Planen\u0007 kommer", "csrf_token": csrf_token(page)},
        content_type="multipart/form-data",
    )
    assert kept.status_code == 422 and "Planen kommer</textarea>" in kept.get_data(as_text=True)


def test_a_sent_answer_leads_back_to_the_case_which_says_so(app):
    _, token = waiting_case(app)
    client = app.test_client()
    sent = post_answer(client, token, [])
    html = sent.get_data(as_text=True)
    assert sent.request.path == f"/track/{token}" and 'id="sent"' in html and "Your answer is sent" in html
    assert "(1 file attached)" not in html and "You sent your answer in the portal." in html
