"""A further document across the services, on the real store: the applicant answers a
request for completion on the tracking page and then sends another document; both
travel to business_desk as intake.completion_answered, sealed, as the relay publishes
them. The answer resumes the clock; the document joins the case as a note with its file
on the case page and in its history. Erasing the case erases both, everywhere."""

from __future__ import annotations

import io

import pytest

from conftest import csrf_token
from kernel.domain.actors import Actor
from kernel.eventsourcing.inbox import MongoInbox
from kernel.eventsourcing.processor import MessageProcessor
from kernel.platform.connections import mongo_client

pytestmark = pytest.mark.integration

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
NOTE = "Brandskyddsintyget från Anna Berg."
INQUIRY = {
    "organisation_number": "5560360793",
    "company": "Kafé Dokument AB",
    "contact_name": "Anna Berg",
    "email": "anna.berg@example.se",
    "phone": "070-111 22 33",
    "case_type": "outdoor_seating",
    "description": "Uteservering vid torget.",
    "language": "sv",
}


def test_a_further_document_reaches_the_case_handler_and_is_erased_with_the_case(
    settings_for, personal, page_client
):
    from business_desk import create_app as desk_app
    from business_desk import handlers as desk
    from business_desk.bootstrap import bootstrap as desk_bootstrap
    from business_desk.service import consumed_handlers as desk_consumer
    from intake import create_app as intake_app
    from intake.bootstrap import bootstrap as intake_bootstrap
    from intake.service import consumed_handlers as intake_consumer
    from kernel.eventsourcing.mongo_store import MongoEventStore

    intake_settings, desk_settings = settings_for("intake"), settings_for("business_desk")
    client = mongo_client(desk_settings)
    intake_db, desk_db = client[intake_settings.database], client[desk_settings.database]
    intake = intake_app(intake_settings)
    to_desk = MessageProcessor(
        MongoInbox(desk_db, "business_desk"),
        desk_consumer(desk_bootstrap(desk_settings, desk_db)),
        personal=personal,
    )
    to_intake = MessageProcessor(
        MongoInbox(intake_db, "intake"),
        intake_consumer(intake_bootstrap(intake_settings, intake_db)),
        personal=personal,
    )
    intake_store, desk_store = MongoEventStore(intake_db), MongoEventStore(desk_db)  # as the relays read them
    relayed = {"intake": 0, "desk": 0}

    def relay() -> None:
        """What either service published since, delivered to the other (sealed, as bytes)."""
        for name, store, consumer in (("intake", intake_store, to_desk), ("desk", desk_store, to_intake)):
            for position, event in store.read_after(relayed[name]):
                assert consumer.process(event.to_json()) is None
                relayed[name] = position

    receipt = intake.test_client().post("/api/v1/inquiries", json=INQUIRY).get_json()
    token = receipt["tracking_url"].rsplit("/", 1)[1]
    relay()
    deps = desk_bootstrap(desk_settings, desk_db)
    case_id = receipt["inquiry_id"]
    sara = Actor(f"{desk_settings.oidc_issuer}#sara.handler", "Sara Handläggare")
    desk.claim(deps, case_id, sara)
    desk.request_completion(deps, case_id, sara, "Skicka en ritning.")
    relay()

    # the applicant answers, then sends a further document, on the tracking page
    applicant = intake.test_client()
    page = applicant.get(f"/track/{token}").get_data(as_text=True)
    answer = {
        "answer": "Ritningen.",
        "csrf_token": csrf_token(page),
        "files": [(io.BytesIO(PDF), "ritning.pdf")],
    }
    assert (
        applicant.post(f"/track/{token}/answer", data=answer, content_type="multipart/form-data").status_code
        == 303
    )
    page = applicant.get(f"/track/{token}").get_data(as_text=True)
    assert 'id="document-form"' in page
    document = {
        "document_note": NOTE,
        "csrf_token": csrf_token(page),
        "document_files": [(io.BytesIO(PDF + b"%intyg"), "brandskydd.pdf")],
    }
    sent = applicant.post(f"/track/{token}/document", data=document, content_type="multipart/form-data")
    assert sent.status_code == 303
    relay()

    # business_desk: the answer was the reply, the document a note with its file
    case = deps.cases.get(case_id)
    assert case["phase"] == "in_progress"
    types = [h["type"] for h in case["history"]]
    assert types[-2:] == ["applicant_replied", "note_added"]
    noted = case["history"][-1]
    assert NOTE in noted["detail"] and [a["filename"] for a in noted["attachments"]] == ["brandskydd.pdf"]
    html = (
        page_client(desk_app(desk_settings), "case_handler").get(f"/cases/{case_id}").get_data(as_text=True)
    )
    file_id = noted["attachments"][0]["attachment_id"]
    assert f'href="/cases/{case_id}/attachments/{file_id}">brandskydd.pdf</a>' in html
    assert NOTE in html
    # and the applicant's page lists both, the document after the answer
    page = applicant.get(f"/track/{token}?lang=sv").get_data(as_text=True)
    assert page.index("ritning.pdf") < page.index("Ytterligare handling") < page.index("brandskydd.pdf")

    # decided: no further document; then erased: the files in intake, the note and its
    # file at the desk, the page's copy
    desk.decide(deps, case_id, sara, "granted", "Beviljas.")
    relay()
    assert 'id="document-form"' not in applicant.get(f"/track/{token}").get_data(as_text=True)
    deps.personal = personal
    desk.erase_personal_data(deps, case_id, "retention")
    relay()
    assert intake_db["attachments.files"].count_documents({"metadata.inquiry_id": case_id}) == 0
    erased = deps.cases.get(case_id)["history"]
    assert all(h["detail"] is None and not h["attachments"] for h in erased)
    doc = intake.extensions["intake.deps"].tracking.by_id(case_id)
    assert all(a["text"] is None and a["files"] == [] for a in doc["answers"])
    stored = "".join(
        repr(list(db[c].find())) for db in (intake_db, desk_db) for c in db.list_collection_names()
    )
    assert NOTE not in stored and "brandskydd.pdf" not in stored
