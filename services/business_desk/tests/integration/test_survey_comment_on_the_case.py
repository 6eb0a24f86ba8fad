"""The survey's free-text comment at business_desk: text only, on the case page (as a
note by the applicant), apart from the survey figures; erased with the case."""

from __future__ import annotations

import pytest

from conftest import case_inquiry
from kernel.domain.actors import Actor
from kernel.eventsourcing.contracts import golden_example

pytestmark = pytest.mark.integration

COMMENT = "Tack Sara för snabb hjälp!"


def survey(case_id: str, subject_id: str, comment: str, n: int) -> dict:
    answered = golden_example("intake.survey_answered")
    answered["event_id"] = f"00000006-0d59-4f48-af0c-{n:012d}"
    answered["data"].update(inquiry_id=case_id, subject_id=subject_id, personal={"comment": comment})
    return answered


def test_a_survey_comment_shows_on_the_case_page_and_is_erased_with_the_case(desk, page_client, personal):
    from business_desk import handlers

    app, processor, db = desk
    message = case_inquiry(31, "outdoor_seating", "2026-11-20")
    assert processor.process(message) is None
    case_id, subject_id = message["data"]["inquiry_id"], message["data"]["subject_id"]
    assert processor.process(survey(case_id, subject_id, COMMENT, 1)) is None
    assert processor.process(survey(case_id, subject_id, COMMENT, 1)) is None  # redelivered: noted once
    deps = app.extensions["business_desk.deps"]
    [note] = deps.cases.get(case_id)["notes"]
    assert note["note"] == f"Kommentar i nöjdhetsenkäten: {COMMENT}"
    html = page_client(app, "case_handler").get(f"/cases/{case_id}").get_data(as_text=True)
    assert COMMENT in html
    # no comment: counted in the figures, no note
    other = case_inquiry(32, "outdoor_seating", "2026-11-20")
    assert processor.process(other) is None
    blank = survey(other["data"]["inquiry_id"], other["data"]["subject_id"], "", 2)
    assert processor.process(blank) is None
    assert deps.cases.get(other["data"]["inquiry_id"])["notes"] == []
    assert db["events"].count_documents({"type": "business_desk.note_added"}) == 1

    sara = Actor(f"{deps.settings.oidc_issuer}#sara.handler", "Sara Handläggare")
    handlers.claim(deps, case_id, sara)
    handlers.decide(deps, case_id, sara, "granted", "Beviljas.")
    deps.personal = personal
    handlers.erase_personal_data(deps, case_id, "retention")
    assert deps.cases.get(case_id)["notes"][0]["note"] is None
    stored = "".join(repr(list(db[c].find())) for c in db.list_collection_names())
    assert "snabb hjälp" not in stored
