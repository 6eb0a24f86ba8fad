"""The survey's optional free-text comment: sealed with the contact's key as their
personal data, refused at its field in the page's language (with the answers kept), and
erased with the case."""

from __future__ import annotations

import json

import pytest
from markupsafe import escape

from conftest import csrf_token, kafe_solsidan_inquiry
from intake import create_app
from intake.bootstrap import bootstrap
from intake.settings import IntakeSettings
from kernel.eventsourcing.contracts import golden_example
from kernel.eventsourcing.envelope import Envelope
from kernel.platform.connections import mongo_client

pytestmark = pytest.mark.integration

INQUIRY = kafe_solsidan_inquiry(case_type="alcohol_serving_licence", language="en")
COMMENT = "Tack Sara Handläggare för snabb hjälp!\nMvh Anna"
SURVEYED = "intake.survey_answered"


@pytest.fixture
def app(settings_for):
    settings = settings_for("intake")
    application = create_app(settings)
    application.db = mongo_client(settings)[settings.database]
    return application


def closed_case(app) -> tuple[str, str]:
    receipt = app.test_client().post("/api/v1/inquiries", json=INQUIRY).get_json()
    closed = golden_example("business_desk.case_closed")
    closed["data"]["case_id"] = receipt["inquiry_id"]
    app.extensions["intake.deps"].tracking.apply([Envelope.from_dict(closed)], None)
    return receipt["inquiry_id"], receipt["tracking_url"].rsplit("/", 1)[1]


def post_survey(client, token: str, comment: str, lang: str = "en", **scores: str):
    page = client.get(f"/track/{token}?lang={lang}").get_data(as_text=True)
    data = {"overall": "9", "expectations": "8", "ideal": "7", **scores}
    data = {k: v for k, v in data.items() if v} | {"survey_comment": comment, "csrf_token": csrf_token(page)}
    return client.post(f"/track/{token}/survey?lang={lang}", data=data)


def test_the_comment_is_sealed_as_the_contacts_personal_data(app):
    inquiry_id, token = closed_case(app)
    client = app.test_client()
    assert 'id="survey_comment"' in client.get(f"/track/{token}").get_data(as_text=True)
    assert post_survey(client, token, COMMENT).status_code == 303
    [stored] = app.db["events"].find({"type": SURVEYED})
    assert stored["schema_version"] == 2 and isinstance(stored["data"]["personal"], str)  # sealed
    assert "Sara" not in json.dumps(stored, default=str)
    [event] = [
        e for e in app.extensions["intake.deps"].store.load(f"inquiry-{inquiry_id}") if e.type == SURVEYED
    ]
    assert event.data["personal"] == {"comment": COMMENT} and event.data["scores"]["overall"] == 9


def test_no_comment_is_fine(app):
    _, token = closed_case(app)
    assert post_survey(app.test_client(), token, "").status_code == 303
    [stored] = app.db["events"].find({"type": SURVEYED})
    assert stored["data"]["subject_id"] and stored["data"]["nki"] == 77.8


@pytest.mark.parametrize(
    ("lang", "comment", "says", "heading"),
    [
        ("en", "x" * 1001, "at most 1000 characters", "Your answer could not be sent"),
        ("sv", "x" * 1001, "högst 1000 tecken", "Svaret kunde inte skickas"),
        ("en", "Bra\x1b[2J service", "Remove the control characters", "Your answer could not be sent"),
        ("sv", "Bra\x1b[2J service", "Ta bort styrtecknen", "Svaret kunde inte skickas"),
    ],
)
def test_a_refused_comment_says_why_at_its_field_and_keeps_the_answers(app, lang, comment, says, heading):
    _, token = closed_case(app)
    refused = post_survey(app.test_client(), token, comment, lang=lang, ideal="")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and heading in html
    assert 'href="#survey_comment"' in html and 'href="#ideal"' in html  # every error at once
    assert says in html.split('id="survey_comment-error">', 1)[1].split("</p>", 1)[0]
    assert f">{escape(comment.replace(chr(27), ''))}</textarea>" in html
    assert 'name="overall" value="9" required checked' in html
    assert app.db["events"].count_documents({"type": SURVEYED}) == 0


def test_erasing_the_case_erases_the_comment(app, personal):
    inquiry_id, token = closed_case(app)
    assert post_survey(app.test_client(), token, COMMENT).status_code == 303
    subject_id = app.extensions["intake.deps"].tracking.by_id(inquiry_id)["subject_id"]
    personal.vault.erase(subject_id, "retention")  # as business_desk erases the case
    erased = golden_example("business_desk.personal_data_erased")
    erased["data"].update(case_id=inquiry_id, subject_id=subject_id)
    app.extensions["intake.deps"].tracking.apply([Envelope.from_dict(erased)], None)
    fresh = bootstrap(IntakeSettings.from_env(), app.db).store  # no key cached from before
    [event] = [e for e in fresh.load(f"inquiry-{inquiry_id}") if e.type == SURVEYED]
    assert event.data["personal"] is None and event.data["scores"]["overall"] == 9  # the figures stay
    stored = "".join(repr(list(app.db[c].find())) for c in app.db.list_collection_names())
    assert "Sara Handläggare" not in stored and "snabb hjälp" not in stored
