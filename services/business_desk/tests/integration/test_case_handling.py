"""business_desk's consumer handler, API and pages on the real MongoDB-protocol store."""

from __future__ import annotations

import pytest

from business_desk import create_app
from conftest import case_inquiry, csrf_token
from kernel.platform.metrics import exposition
from kernel.platform.settings import REPO_ROOT

pytestmark = pytest.mark.integration


def inquiry(n: int, case_type: str, received_on: str) -> dict:
    return case_inquiry(n, case_type, received_on)


def test_an_inquiry_delivered_twice_opens_one_case(desk):
    _app, processor, db = desk
    message = inquiry(1, "outdoor_seating", "2026-11-20")
    assert processor.process(message) is None
    assert processor.process(message) is None
    assert db["cases"].count_documents({}) == 1
    assert db["events"].count_documents({"type": "business_desk.case_opened"}) == 1


def test_the_queue_is_sorted_by_deadline_and_filters_by_status(desk, signed_in, page_client):
    app, processor, _ = desk
    processor.process(inquiry(1, "outdoor_seating", "2026-11-20"))
    processor.process(inquiry(2, "outdoor_seating", "2026-11-02"))
    processor.process(inquiry(3, "building_permit", "2026-11-01"))
    client = signed_in(app, "case_handler")
    queue = client.get("/api/v1/queues/outdoor_seating").get_json()["items"]
    assert [c["reference"] for c in queue] == ["BUS-2026-T00002", "BUS-2026-T00001"]
    assert queue[0]["due_date"] < queue[1]["due_date"]
    assert client.get("/api/v1/queues/outdoor_seating?status=decided").get_json()["items"] == []
    assert client.get("/api/v1/queues/outdoor_seating?status=bogus").status_code == 422
    assert client.get("/api/v1/queues/no_such_type").status_code == 404
    page = page_client(app, "case_handler").get("/queues/outdoor_seating").get_data(as_text=True)
    assert page.index("BUS-2026-T00002") < page.index("BUS-2026-T00001")


def test_a_handler_works_a_case_to_a_decision_through_the_api(desk, signed_in):
    app, processor, db = desk
    processor.process(inquiry(7, "alcohol_serving_licence", "2026-11-20"))
    client = signed_in(app, "case_handler")
    case_id = client.get("/api/v1/cases/by-reference/BUS-2026-T00007").get_json()["id"]
    url = f"/api/v1/cases/{case_id}"
    assert client.post(f"{url}/decision", json={"outcome": "granted", "answer": "Ja"}).status_code == 409
    claimed = client.post(f"{url}/claim").get_json()
    assert claimed["status"] == "in_progress" and claimed["handler"] == "Sara Handläggare"  # from the token
    # Nobody acts in another's name: a handler sent in the body is refused.
    impersonating = client.post(f"{url}/completion-request", json={"handler": "erik", "message": "x"})
    assert impersonating.status_code == 422 and "handler" in impersonating.get_json()["errors"]["json"]
    waiting = client.post(f"{url}/completion-request", json={"message": "Ritning saknas"})
    assert waiting.get_json()["status"] == "waiting_for_applicant"
    assert waiting.get_json()["reply_by"]
    resumed = client.post(f"{url}/applicant-reply", json={"reply": "Ritning bifogad"}).get_json()
    assert resumed["status"] == "in_progress"
    decided = client.post(f"{url}/decision", json={"outcome": "granted", "answer": "Tillstånd beviljas."})
    body = decided.get_json()
    assert body["status"] == "decided" and body["decision"]["answer"] == "Tillstånd beviljas."
    assert [h["type"] for h in body["history"]] == [
        "case_opened",
        "case_claimed",
        "completion_requested",
        "applicant_replied",
        "case_decided",
    ]
    again = client.post(f"{url}/decision", json={"outcome": "refused", "answer": "Nej"})
    assert again.status_code == 409 and "decided" in again.get_json()["message"]
    assert client.post(f"{url}/decision", json={}).status_code == 422
    assert client.get("/api/v1/cases/unknown").status_code == 404
    assert db["events"].count_documents({"stream_id": f"case-{case_id}"}) == 5


def test_the_case_page_drives_the_same_steps(desk, signed_in, page_client):
    app, processor, _ = desk
    processor.process(inquiry(9, "general_business_advice", "2026-11-23"))
    case_id = (
        signed_in(app, "case_handler_other_team")
        .get("/api/v1/cases/by-reference/BUS-2026-T00009")
        .get_json()["id"]
    )
    assert app.test_client().get(f"/cases/{case_id}").status_code == 302  # sign in first
    hugo = page_client(app, "case_handler_other_team")
    page = hugo.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "Claim" in page and "Hugo Handläggare" in page
    token = csrf_token(page)
    assert hugo.post(f"/cases/{case_id}/claim", data={}).status_code == 400  # no CSRF token
    assert hugo.post(f"/cases/{case_id}/claim", data={"csrf_token": token}).status_code == 303
    page = hugo.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "In progress" in page and "Request completion" in page

    sara = page_client(app, "case_handler")
    assert sara.get(f"/cases/{case_id}").status_code == 403  # not her team's case type
    lead_of_other_team = page_client(app, "team_lead")
    assert lead_of_other_team.get(f"/cases/{case_id}").status_code == 403

    done = hugo.post(
        f"/cases/{case_id}/decision",
        data={"csrf_token": token, "outcome": "answered", "answer": "Svar.", "step": "confirm"},
    )
    assert done.status_code == 303
    assert "Decided" in hugo.get(f"/cases/{case_id}").get_data(as_text=True)
    index = hugo.get("/").get_data(as_text=True)
    assert "General business advice" in index and "Outdoor seating" not in index  # only the team's queues


def test_the_queue_rebuilds_from_the_events(desk, personal):
    from business_desk.readmodels.cases import CaseReadModel
    from kernel.eventsourcing.mongo_store import MongoEventStore

    _app, processor, db = desk
    for n in range(3):
        processor.process(inquiry(20 + n, "outdoor_seating", "2026-11-20"))
    cases = _app.extensions["business_desk.deps"].cases
    ids = sorted(d["_id"] for d in db["cases"].find({}, {"_id": 1}))
    before = [cases.get(case_id) for case_id in ids]
    rebuilt = CaseReadModel(db, _app.extensions["business_desk.deps"].catalogue, personal)
    assert rebuilt.rebuild(MongoEventStore(db, personal=personal).read_all()) == 3
    assert [cases.get(case_id) for case_id in ids] == before  # sealed afresh, the same when opened
    assert all(d["sealed_summary"] and "contact" not in d for d in db["cases"].find())


def test_only_the_team_may_read_and_work_its_cases(desk, signed_in, tokens):
    app, processor, _ = desk
    processor.process(inquiry(30, "building_permit", "2026-11-20"))
    hugo = signed_in(app, "case_handler_other_team")
    case_id = hugo.get("/api/v1/cases/by-reference/BUS-2026-T00030").get_json()["id"]
    sara, manager = signed_in(app, "case_handler"), signed_in(app, "manager")

    assert sara.get(f"/api/v1/cases/{case_id}").status_code == 403  # another team's case type
    assert sara.get("/api/v1/queues/building_permit").status_code == 403
    assert sara.post(f"/api/v1/cases/{case_id}/claim").status_code == 403
    assert manager.get(f"/api/v1/cases/{case_id}").status_code == 200  # managers read every case
    assert manager.post(f"/api/v1/cases/{case_id}/claim").status_code == 403
    for role in ("applicant", "provider"):
        assert signed_in(app, role).get(f"/api/v1/cases/{case_id}").status_code == 403

    anonymous = app.test_client()
    refused = anonymous.get(f"/api/v1/cases/{case_id}")
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith("Bearer")
    forged = tokens.get("case_handler_other_team", "business_desk")[:-4] + "AAAA"
    assert (
        anonymous.get(f"/api/v1/cases/{case_id}", headers={"Authorization": f"Bearer {forged}"}).status_code
        == 401
    )
    assert (
        anonymous.get(f"/api/v1/cases/{case_id}", headers={"Authorization": "Basic dXNlcjpwYXNz"}).status_code
        == 401
    )


def test_reads_and_steps_are_in_the_case_audit_trail(desk, signed_in, page_client):
    app, processor, _ = desk
    processor.process(inquiry(40, "outdoor_seating", "2026-11-20"))
    sara = signed_in(app, "case_handler")
    case_id = sara.get("/api/v1/cases/by-reference/BUS-2026-T00040").get_json()["id"]
    sara.post(f"/api/v1/cases/{case_id}/claim")
    page_client(app, "team_lead").get(f"/cases/{case_id}")
    assert sara.get(f"/api/v1/cases/{case_id}/audit").status_code == 403  # for managers and admins

    trail = signed_in(app, "manager").get(f"/api/v1/cases/{case_id}/audit").get_json()["items"]
    seen = [(e["action"], e["subject"], e["via"].split()[0]) for e in reversed(trail)]
    assert seen == [
        ("read", "sara.handler", "GET"),
        ("claim", "sara.handler", "POST"),
        ("read", "tina.lead", "GET"),
    ]
    assert all(e["at"] and e["address"] for e in trail)


def test_an_answer_from_the_portal_resumes_the_clock_and_its_files_open_from_the_case_page(
    desk, signed_in, page_client
):
    from business_desk.adapters.attachments import File
    from kernel.eventsourcing.contracts import golden_example

    app, processor, db = desk
    message = inquiry(7, "outdoor_seating", "2026-11-20")
    processor.process(message)
    case_id = message["data"]["inquiry_id"]
    api = signed_in(app, "case_handler")
    api.post(f"/api/v1/cases/{case_id}/claim")
    asked = api.post(f"/api/v1/cases/{case_id}/completion-request", json={"message": "A sketch, please."})
    assert asked.get_json()["phase"] == "waiting_for_applicant"

    answered = golden_example("intake.completion_answered")
    answered["data"].update(inquiry_id=case_id, reference=message["data"]["reference"])
    assert processor.process(answered) is None
    assert processor.process(answered) is None  # redelivered: registered once
    case = api.get(f"/api/v1/cases/{case_id}").get_json()
    assert case["phase"] == "in_progress"
    assert db["events"].count_documents({"type": "business_desk.applicant_replied"}) == 1

    fetched = []

    def fake_intake(wanted_case: str, attachment_id: str) -> File | None:
        fetched.append((wanted_case, attachment_id))
        return File(b"%PDF-1.4", "application/pdf", 'attachment; filename="situationsplan.pdf"')

    app.extensions["business_desk.deps"].attachments = fake_intake
    browser = page_client(app, "case_handler")
    page = browser.get(f"/cases/{case_id}").get_data(as_text=True)
    link = f"/cases/{case_id}/attachments/6745a1c2e4b0f1a2b3c4d5e6"
    assert f'href="{link}">situationsplan.pdf</a>' in page
    file = browser.get(link)
    assert (
        file.status_code == 200
        and file.data == b"%PDF-1.4"
        and fetched == [(case_id, "6745a1c2e4b0f1a2b3c4d5e6")]
    )

    # an answer arriving when the case no longer waits (the reply was registered) becomes a note
    again = golden_example("intake.completion_answered")
    again["event_id"] = "00000004-0d59-4f48-af0c-809b8016979d"
    again["data"].update(inquiry_id=case_id, reference=message["data"]["reference"])
    assert processor.process(again) is None
    assert db["events"].count_documents({"type": "business_desk.note_added"}) == 1


def test_survey_answers_show_as_nki_next_to_the_processing_times(desk, page_client):
    from kernel.eventsourcing.contracts import golden_example

    app, processor, _ = desk
    answered = golden_example("intake.survey_answered")
    today = app.extensions["business_desk.deps"].clock().date().isoformat()
    answered["data"].update(answered_on=today)
    assert processor.process(answered) is None
    assert processor.process(answered) is None  # redelivered: counted once
    second = golden_example("intake.survey_answered")
    second["event_id"] = "00000006-0d59-4f48-af0c-809b8016979d"
    second["data"].update(
        answered_on=today, scores={"overall": 10, "expectations": 10, "ideal": 10}, nki=100.0
    )
    assert processor.process(second) is None

    figures = page_client(app, "manager").get("/dashboard/figures.json?period=4w").get_json()
    assert figures["satisfaction"]["responses"] == 2 and figures["satisfaction"]["nki"] == 85.2
    assert figures["satisfaction"]["by_case_type"] == {"building_permit": {"responses": 2, "nki": 85.2}}
    page = page_client(app, "manager").get("/dashboard?period=4w").get_data(as_text=True)
    assert 'id="nki">85.2<' in page and '<tr data-case-type="building_permit">' in page


def test_metrics_carry_the_business_figures(desk):
    app, processor, _ = desk
    processor.process(inquiry(31, "outdoor_seating", "2026-11-20"))
    text = exposition([app.extensions["kernel.metrics_registry"]]).decode()
    assert 'cases_open{case_type="outdoor_seating"} 1.0' in text
    assert 'cases_received_last_12_months{case_type="outdoor_seating"} 1.0' in text
    assert 'cases_processing_days_bucket{case_type="outdoor_seating",le="+Inf"} 0.0' in text
    assert "outbox_backlog_events" in text


def test_the_staff_pages_speak_the_national_language_unless_asked_for_another(
    desk, page_client, settings_for, monkeypatch
):
    app, processor, db = desk
    processor.process(inquiry(11, "outdoor_seating", "2026-11-20"))
    swedish = page_client(app, "case_handler", language=None)
    case_id = db["cases"].find_one({"reference": "BUS-2026-T00011"})["_id"]
    case_page = swedish.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "Ärendet öppnat från e-tjänsten." in case_page and "Begär komplettering" not in case_page
    assert "Ta ärendet som" in case_page
    refused = swedish.post(
        f"/cases/{case_id}/decision",
        data={"outcome": "granted", "answer": "Ja.", "csrf_token": csrf_token(case_page)},
    )
    said = refused.get_data(as_text=True)
    assert (
        refused.status_code == 409 and "kan inte besluta i ett ärende i läget: nytt; ta ärendet först" in said
    )
    page = swedish.get("/queues/outdoor_seating").get_data(as_text=True)
    assert '<html lang="sv">' in page and "närmast tidsfrist först" in page and "1 ärende." in page
    assert 'hreflang="en"' in page and "Logga ut" in page
    english = swedish.get("/queues/outdoor_seating?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english and "due soonest first" in english
    assert "Queues" in swedish.get("/").get_data(as_text=True)  # the choice stays for the session
    manager = page_client(app, "manager", language="sv-SE,sv;q=0.9")
    dashboard = manager.get("/dashboard?period=4w").get_data(as_text=True)
    assert (
        "Handläggningstider" in dashboard and "Senaste 4 veckorna" in dashboard and "0-7 dagar" in dashboard
    )

    monkeypatch.setenv("CASE_TYPES_FILE", str(REPO_ROOT / "config" / "case_types.dk.yaml"))
    danish_app = create_app(settings_for("business_desk"))
    page = page_client(danish_app, "manager", language=None).get("/").get_data(as_text=True)
    assert (
        '<html lang="da">' in page
        and "Køer" in page
        and 'hreflang="en"' in page
        and 'hreflang="sv"' not in page
    )
