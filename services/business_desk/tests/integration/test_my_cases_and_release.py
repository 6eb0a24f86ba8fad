"""A handler's own cases across queues, releasing a case back to its queue, and the close
form's refusal in the page's language with the reason kept."""

from __future__ import annotations

import pytest

from conftest import case_inquiry, csrf_token

pytestmark = pytest.mark.integration


def _case_id(app, signed_in, reference: str) -> str:  # type: ignore[no-untyped-def]
    client = signed_in(app, "case_handler_other_team")
    return client.get(f"/api/v1/cases/by-reference/{reference}").get_json()["id"]


def test_my_cases_lists_the_handler_s_own_and_release_gives_one_back(desk, signed_in, page_client):
    app, processor, db = desk
    processor.process(case_inquiry(41, "general_business_advice", "2026-11-20"))
    processor.process(case_inquiry(42, "general_business_advice", "2026-11-21"))
    mine, other = (_case_id(app, signed_in, f"BUS-2026-T0004{n}") for n in (1, 2))
    hugo = page_client(app, "case_handler_other_team")
    token = csrf_token(hugo.get(f"/cases/{mine}").get_data(as_text=True))
    assert hugo.post(f"/cases/{mine}/claim", data={"csrf_token": token}).status_code == 303

    page = hugo.get("/mine").get_data(as_text=True)
    assert "My cases" in page and 'href="/mine"' in page
    assert "BUS-2026-T00041" in page and "BUS-2026-T00042" not in page
    swedish = page_client(app, "case_handler_other_team", "sv").get("/mine").get_data(as_text=True)
    assert "Mina ärenden" in swedish and "BUS-2026-T00041" in swedish

    case_page = hugo.get(f"/cases/{mine}").get_data(as_text=True)
    assert "Release the case" in case_page
    assert "Release the case" not in hugo.get(f"/cases/{other}").get_data(as_text=True)
    assert hugo.post(f"/cases/{mine}/release", data={"csrf_token": token}).status_code == 303
    # a second submit of the same form changes nothing
    assert hugo.post(f"/cases/{mine}/release", data={"csrf_token": token}).status_code == 303
    assert db["events"].count_documents({"type": "business_desk.case_released"}) == 1
    released = hugo.get(f"/cases/{mine}").get_data(as_text=True)
    assert "Released by Hugo Handläggare back to the queue" in released
    assert "BUS-2026-T00041" not in hugo.get("/mine").get_data(as_text=True)
    assert "BUS-2026-T00041" in hugo.get("/queues/general_business_advice?unassigned=1").get_data(
        as_text=True
    )


def test_release_through_the_api_is_the_handler_s_own(desk, signed_in):
    app, processor, _ = desk
    processor.process(case_inquiry(43, "general_business_advice", "2026-11-20"))
    hugo = signed_in(app, "case_handler_other_team")
    case_id = hugo.get("/api/v1/cases/by-reference/BUS-2026-T00043").get_json()["id"]
    assert hugo.post(f"/api/v1/cases/{case_id}/claim").status_code == 200
    released = hugo.post(f"/api/v1/cases/{case_id}/release").get_json()
    assert released["handler"] is None and released["status"] == "in_progress"
    assert [h["type"] for h in released["history"]][-1] == "case_released"


@pytest.mark.parametrize(
    ("language", "button", "required"),
    [
        ("en", "Close without a decision", "Reason (required)"),
        ("sv", "Avsluta utan beslut", "Skäl (obligatoriskt)"),
    ],
)
def test_closing_without_a_reason_is_refused_at_the_field_in_the_page_s_language(  # type: ignore[no-untyped-def]
    desk, signed_in, page_client, language, button, required
):
    app, processor, _ = desk
    processor.process(case_inquiry(44, "general_business_advice", "2026-11-20"))
    case_id = _case_id(app, signed_in, "BUS-2026-T00044")
    client = page_client(app, "case_handler_other_team", language)
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert button in page and required in page
    refused_page = client.post(f"/cases/{case_id}/close", data={"csrf_token": csrf_token(page), "text": "  "})
    assert refused_page.status_code == 422
    html = refused_page.get_data(as_text=True)
    assert 'id="close-reason-error"' in html and 'aria-invalid="true"' in html
    error = html.split('id="close-reason-error">')[1].split("</p>")[0]
    assert error and ("field" in error) == (language == "en")


def test_a_bulk_step_reports_each_case_and_a_second_submit_changes_nothing(desk, signed_in, page_client):
    app, processor, db = desk
    for n in (51, 52, 53):
        processor.process(case_inquiry(n, "general_business_advice", "2026-11-20"))
    first, second, third = (_case_id(app, signed_in, f"BUS-2026-T000{n}") for n in (51, 52, 53))
    hugo = page_client(app, "case_handler_other_team")
    queue = hugo.get("/queues/general_business_advice").get_data(as_text=True)
    assert 'name="cases"' in queue and 'id="bulk_action"' in queue
    token = csrf_token(queue)
    form = {"csrf_token": token, "cases": [first, second], "bulk_action": "claim"}
    done = hugo.post("/queues/general_business_advice", data=form)
    assert done.status_code == 200
    html = done.get_data(as_text=True)
    assert html.count(": done") == 2
    again = hugo.post("/queues/general_business_advice", data=form).get_data(as_text=True)
    assert again.count(": unchanged, already so") == 2
    assert db["events"].count_documents({"type": "business_desk.case_claimed"}) == 2
    # a case the step is refused for is reported, and the others still take it
    status = {"csrf_token": token, "cases": [first, third, second], "bulk_action": "status"}
    html = hugo.post(
        "/queues/general_business_advice", data={**status, "work_status": "site_visit"}
    ).get_data(as_text=True)
    assert html.count(": done") == 2 and "BUS-2026-T00053</a>: not done (" in html
    assert db["events"].count_documents({"type": "business_desk.status_changed"}) == 2
    release = {"csrf_token": token, "cases": [first, third], "bulk_action": "release"}
    html = hugo.post("/queues/general_business_advice", data=release).get_data(as_text=True)
    assert "BUS-2026-T00051</a>: done" in html and "BUS-2026-T00053</a>: unchanged" in html
    assert db["events"].count_documents({"type": "business_desk.case_released"}) == 1


@pytest.mark.parametrize(
    ("language", "no_case", "no_status"),
    [
        ("en", "Choose at least one case in the list.", "Choose one for this action."),
        ("sv", "Välj minst ett ärende i listan.", "Välj för den här åtgärden."),
    ],
)
def test_a_bulk_form_s_errors_are_at_the_fields_with_the_choices_kept(  # type: ignore[no-untyped-def]
    desk, signed_in, page_client, language, no_case, no_status
):
    app, processor, db = desk
    processor.process(case_inquiry(54, "general_business_advice", "2026-11-20"))
    case_id = _case_id(app, signed_in, "BUS-2026-T00054")
    client = page_client(app, "case_handler_other_team", language)
    token = csrf_token(client.get("/queues/general_business_advice").get_data(as_text=True))
    nothing = client.post(
        "/queues/general_business_advice", data={"csrf_token": token, "bulk_action": "status"}
    )
    assert nothing.status_code == 422
    html = nothing.get_data(as_text=True)
    assert 'id="error-summary"' in html and 'id="cases-error"' in html and no_case in html
    assert 'id="work_status-error"' in html and no_status in html
    assert '<option value="status" selected>' in html
    chosen = client.post(
        "/queues/general_business_advice",
        data={"csrf_token": token, "bulk_action": "status", "cases": [case_id]},
    ).get_data(as_text=True)
    assert f'value="{case_id}" id="choose-{case_id}"' in chosen and "checked" in chosen
    assert no_case not in chosen and no_status in chosen
    assert db["events"].count_documents({"type": "business_desk.status_changed"}) == 0


@pytest.mark.parametrize(
    ("language", "heading", "confirm"),
    [
        ("en", "The letter the applicant will get", "Confirm and record the decision"),
        ("sv", "Så här blir brevet till sökanden", "Bekräfta och fatta beslutet"),
    ],
)
def test_a_decision_is_previewed_as_the_applicant_s_letter_before_it_is_recorded(  # type: ignore[no-untyped-def]
    desk, signed_in, page_client, language, heading, confirm
):
    app, processor, db = desk
    processor.process(case_inquiry(61, "general_business_advice", "2026-11-20"))
    case_id = _case_id(app, signed_in, "BUS-2026-T00061")
    client = page_client(app, "case_handler_other_team", language)
    token = csrf_token(client.get(f"/cases/{case_id}").get_data(as_text=True))
    client.post(f"/cases/{case_id}/claim", data={"csrf_token": token})
    form = {
        "csrf_token": token,
        "outcome": "answered",
        "answer": "Ni behöver inget tillstånd.",
        "legal_reference": "",
    }
    preview = client.post(f"/cases/{case_id}/decision", data=form)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and heading in html and confirm in html
    letter = html.split('id="preview-letter"')[1].split("</div>")[0]
    assert "BUS-2026-T00061" in letter and "Ni behöver inget tillstånd." in letter
    assert db["events"].count_documents({"type": "business_desk.case_decided"}) == 0
    back = client.post(f"/cases/{case_id}/decision", data={**form, "step": "edit"}).get_data(as_text=True)
    assert 'id="preview-letter"' not in back and ">Ni behöver inget tillstånd.</textarea>" in back
    done = client.post(f"/cases/{case_id}/decision", data={**form, "step": "confirm"})
    assert done.status_code == 303
    assert db["events"].count_documents({"type": "business_desk.case_decided"}) == 1
    decided = client.get(f"/cases/{case_id}").get_data(as_text=True)
    sent = decided.split('id="letter"')[1].split("</div>")[0]
    assert "Ni behöver inget tillstånd." in sent and "BUS-2026-T00061" in sent
    # the letter is in the applicant's language (Swedish here), whatever the page's
    assert "Beslut: Besvarat" in letter and "Beslut: Besvarat" in sent and "Decision:" not in sent
    # the words of the decision email (catalogue.decision_letter): the configured municipality,
    # and an answer to a question is not sent anywhere to be appealed
    assert "Huddinge kommun har fattat beslut i ditt ärende BUS-2026-T00061" in sent
    assert "kan inte överklagas" in sent and "Skicka överklagandet" not in sent


@pytest.mark.parametrize(
    ("language", "blank", "not_a_date"),
    [
        ("en", "Missing data for required field.", "Write a date, for example 2026-12-31."),
        ("sv", "Fältet måste fyllas i.", "Skriv ett datum, till exempel 2026-12-31."),
    ],
)
def test_every_error_of_a_case_form_is_at_its_field_with_the_summary_and_the_input_kept(  # type: ignore[no-untyped-def]
    desk, signed_in, page_client, language, blank, not_a_date
):
    app, processor, db = desk
    processor.process(case_inquiry(71, "general_business_advice", "2026-11-20"))
    case_id = _case_id(app, signed_in, "BUS-2026-T00071")
    client = page_client(app, "case_handler_other_team", language)
    token = csrf_token(client.get(f"/cases/{case_id}").get_data(as_text=True))
    client.post(f"/cases/{case_id}/claim", data={"csrf_token": token})
    refused = client.post(
        f"/cases/{case_id}/delay-notice", data={"csrf_token": token, "text": "", "expected_by": "31/12"}
    )
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    summary = html.split('id="error-summary"')[1].split("</div>")[0]
    assert '<a href="#delay-reason">' in summary and '<a href="#expected_by">' in summary
    assert f'id="delay-reason-error">{blank}</p>' in html
    assert f'id="expected_by-error">{not_a_date}</p>' in html
    assert 'value="31/12"' in html
    assert db["events"].count_documents({"type": "business_desk.delay_notice_sent"}) == 0


def test_a_team_lead_assigns_several_cases_to_a_member_chosen_from_the_roster(desk, page_client):
    import re

    app, processor, db = desk
    for n in (81, 82):
        processor.process(case_inquiry(n, "outdoor_seating", "2026-11-20"))
    tina = page_client(app, "team_lead")
    queue = tina.get("/queues/outdoor_seating").get_data(as_text=True)
    sara = re.search(r'<option value="([^"]*#sara\.handler)"', queue)
    assert sara and 'id="assignee"' in queue and "Assign them" in queue
    ids = [d["_id"] for d in db["cases"].find({"case_type": "outdoor_seating"})]
    missing = tina.post(
        "/queues/outdoor_seating",
        data={"csrf_token": csrf_token(queue), "cases": ids, "bulk_action": "assign"},
    )
    assert missing.status_code == 422 and 'id="assignee-error">Choose one for this action.</p>' in (
        missing.get_data(as_text=True)
    )
    form = {"csrf_token": csrf_token(queue), "cases": ids, "bulk_action": "assign", "assignee": sara.group(1)}
    html = tina.post("/queues/outdoor_seating", data=form).get_data(as_text=True)
    assert html.count(": done") == 2
    assert {d["handler_id"] for d in db["cases"].find({"case_type": "outdoor_seating"})} == {sara.group(1)}
