"""Text is trimmed, then checked, by the API and by the case page's forms alike: a
required text of only spaces is refused as missing, at its field, in the page's
language, and what else was typed stays in the form."""

from __future__ import annotations

import re

import pytest

from conftest import case_inquiry, csrf_token

pytestmark = pytest.mark.integration

REQUIRED = "Missing data for required field."


@pytest.fixture
def claimed_case(desk, signed_in):
    app, processor, _ = desk
    processor.process(case_inquiry(1, "outdoor_seating", "2026-11-20"))
    sara = signed_in(app, "case_handler")
    case_id = sara.get("/api/v1/cases/by-reference/BUS-2026-T00001").get_json()["id"]
    assert sara.post(f"/api/v1/cases/{case_id}/claim").status_code == 200
    return app, sara, case_id


@pytest.mark.parametrize("blank", ["", "   ", " \n\t \r\n "])
def test_the_api_refuses_a_required_text_of_only_spaces_as_missing(claimed_case, blank):
    _, sara, case_id = claimed_case
    note = sara.post(f"/api/v1/cases/{case_id}/notes", json={"note": blank})
    assert note.status_code == 422
    assert note.get_json()["errors"]["json"] == {"note": [REQUIRED]}
    decision = sara.post(
        f"/api/v1/cases/{case_id}/decision",
        json={"outcome": "granted", "answer": blank, "legal_reference": "  Alkohollagen 8 kap.  "},
    )
    assert decision.get_json()["errors"]["json"] == {"answer": [REQUIRED]}
    assert sara.get(f"/api/v1/cases/{case_id}").get_json()["phase"] == "in_progress"  # nothing happened


def test_the_api_keeps_the_text_trimmed(claimed_case):
    _, sara, case_id = claimed_case
    done = sara.post(
        f"/api/v1/cases/{case_id}/decision",
        json={"outcome": "granted", "answer": "\n  Beviljas.  \n", "legal_reference": "   "},
    )
    assert done.status_code == 200, done.get_json()
    decision = done.get_json()["decision"]
    assert decision["answer"] == "Beviljas."
    assert decision["legal_reference"]  # blank counts as not given: the case type's own


def test_a_form_of_only_spaces_is_refused_at_its_field_and_the_rest_is_kept(desk, claimed_case, page_client):
    app, _, case_id = claimed_case
    sara = page_client(app, "case_handler", "sv")
    page = sara.get(f"/cases/{case_id}").get_data(as_text=True)
    refused = sara.post(
        f"/cases/{case_id}/decision",
        data={
            "csrf_token": csrf_token(page),
            "outcome": "refused",
            "answer": "    ",
            "legal_reference": "Alkohollagen 8 kap. 1 §",
        },
    )
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert re.search(
        r'<textarea id="answer" name="answer" rows="5" required aria-invalid="true" '
        r'aria-describedby="answer-error">\s*</textarea>'
        r'<p class="field-error" id="answer-error">Fältet måste fyllas i.</p>',
        html,
    )
    assert 'value="Alkohollagen 8 kap. 1 §"' in html
    assert 'id="error-summary"' in html and '<a href="#answer">' in html
    assert re.search(r'<option value="refused" selected>', html)

    note = sara.post(f"/cases/{case_id}/note", data={"csrf_token": csrf_token(html), "text": " \r\n "})
    assert note.status_code == 422
    assert 'id="note-error">Fältet måste fyllas i.</p>' in note.get_data(as_text=True)

    kept = sara.post(f"/cases/{case_id}/note", data={"csrf_token": csrf_token(html), "text": "  Ringt.  "})
    assert kept.status_code == 303
    assert signed_in_notes(app, case_id) == ["Ringt."]


def signed_in_notes(app, case_id: str) -> list[str]:
    db = app.extensions["business_desk.deps"]
    return [n["note"] for n in db.cases.get(case_id)["notes"]]
