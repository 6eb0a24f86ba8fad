"""Hostile input: malformed and oversized bodies, wrong content types, script in
free text (shown as text in every page), forged tokens. Never a 5xx, never a trace."""

from __future__ import annotations

import json

import pytest

from conftest import csrf_token
from kernel.eventsourcing.contracts import golden_example
from kernel.eventsourcing.inbox import MongoInbox
from kernel.eventsourcing.processor import MessageProcessor
from kernel.platform.connections import mongo_client

pytestmark = pytest.mark.integration

SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'
INQUIRY = {
    "organisation_number": "556036-0793",
    "company": f"Elak AB {SCRIPT}",
    "contact_name": "Eve",
    "email": "eve@example.se",
    "phone": "070-000 00 00",
    "case_type": "outdoor_seating",
    "description": f"Beskrivning {SCRIPT}",
    "language": "sv",
}


@pytest.fixture
def intake(settings_for):
    from intake import create_app

    return create_app(settings_for("intake")).test_client()


def assert_clean_error(response, *statuses: int) -> None:
    assert response.status_code in statuses, (response.status_code, response.get_data(as_text=True)[:300])
    body = response.get_data(as_text=True)
    assert "Traceback" not in body and 'File "' not in body


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"company": "x", ', "application/json"),  # cut off
        (b"\xff\xfe\x00garbage", "application/json"),  # not UTF-8
        (b"[1, 2, 3]", "application/json"),  # not an object
        (b'"just a string"', "application/json"),
        (json.dumps({**INQUIRY, "company": {"$gt": ""}}).encode(), "application/json"),  # operator injection
        (b"company=x", "text/plain"),
        (b"company=x", "application/x-www-form-urlencoded"),
    ],
    ids=["truncated", "not-utf8", "array", "string", "operator", "text-plain", "form-to-api"],
)
def test_malformed_bodies_get_a_clear_4xx(intake, body, content_type):
    response = intake.post("/api/v1/inquiries", data=body, content_type=content_type)
    assert_clean_error(response, 400, 415, 422)
    assert response.is_json


def test_deeply_nested_json_is_refused_cleanly(intake):
    nested = "[" * 5000 + "]" * 5000
    response = intake.post("/api/v1/inquiries", data=nested, content_type="application/json")
    assert_clean_error(response, 400, 422)


def test_oversized_form_posts_get_413(intake):
    token = csrf_token(intake.get("/").get_data(as_text=True))
    response = intake.post("/", data={**INQUIRY, "description": "x" * 200_000, "csrf_token": token})
    assert_clean_error(response, 413)


def test_script_in_free_text_is_text_on_the_receipt_tracking_and_handler_pages(
    intake, settings_for, page_client, personal, wire
):
    receipt = intake.post("/api/v1/inquiries", json=INQUIRY)
    assert receipt.status_code == 201
    token = receipt.get_json()["tracking_url"].rsplit("/", 1)[1]
    tracking_page = intake.get(f"/track/{token}").get_data(as_text=True)
    assert "<script>" not in tracking_page and "&lt;script&gt;" in tracking_page

    from business_desk import create_app
    from business_desk.bootstrap import bootstrap as desk_bootstrap
    from business_desk.service import consumed_handlers

    desk_settings = settings_for("business_desk")
    db = mongo_client(desk_settings)[desk_settings.database]
    raw = golden_example("intake.inquiry_submitted")
    raw["data"]["case_type"] = "outdoor_seating"
    raw["data"]["personal"].update(company=INQUIRY["company"], description=INQUIRY["description"])
    MessageProcessor(
        MongoInbox(db, "business_desk"),
        consumed_handlers(desk_bootstrap(desk_settings, db)),
        personal=personal,
    ).process(wire(raw))
    case_id = db["cases"].find_one({})["_id"]
    app = create_app(desk_settings)
    handler = page_client(app, "case_handler")
    for path in (f"/cases/{case_id}", "/queues/outdoor_seating"):
        page = handler.get(path).get_data(as_text=True)
        assert "<script>" not in page and "<img src=x" not in page
        assert "&lt;script&gt;" in page


def test_forged_and_malformed_tokens_are_refused_not_ignored(intake):
    headers = ("Bearer", "Bearer ", "Bearer a.b.c", "Bearer " + "x" * 5000, "Token abc", "Bearer ey.ey.ey")
    for header in headers:
        response = intake.get("/api/v1/case-types", headers={"Authorization": header})
        assert_clean_error(response, 401)


LINK_INJECTION = (
    "Eve\n\nYour case was refused. Appeal at https://evil.example/appeal or mail appeal@evil.example\n"
)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("contact_name", LINK_INJECTION),
        ("company", LINK_INJECTION),
        ("company", "Omsorg AB\rBcc: x@evil.example"),
    ],
)
def test_line_breaks_and_controls_in_single_line_fields_are_refused_at_the_field(intake, field, value):
    response = intake.post(
        "/api/v1/inquiries", json={**INQUIRY, field: value}, headers={"Accept-Language": "en"}
    )
    assert_clean_error(response, 422)
    assert list(response.get_json()["errors"]["json"]) == [field]


def test_the_form_refuses_them_in_the_applicants_language_and_keeps_the_input(intake):
    token = csrf_token(intake.get("/?lang=sv").get_data(as_text=True))
    response = intake.post(
        "/?lang=sv", data={**INQUIRY, "contact_name": LINK_INJECTION, "language": "sv", "csrf_token": token}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Skriv texten på en rad, utan styrtecken." in page
    assert "Elak AB &lt;script&gt;" in page  # what was typed is still in the form, as text


def test_a_multi_line_description_keeps_its_line_breaks_but_not_other_controls(intake):
    ok = intake.post("/api/v1/inquiries", json={**INQUIRY, "description": "Rad ett\r\nRad två"})
    assert ok.status_code == 201
    refused = intake.post("/api/v1/inquiries", json={**INQUIRY, "description": "Rad\x1b[2J ett"})
    assert_clean_error(refused, 422)
