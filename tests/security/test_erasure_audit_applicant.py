"""Erasure leaves nothing readable (issue 16, finding 3), for an applicant: their case's
whole story runs through intake, business_desk and notify, the real retention job erases
them on the day it is due, and then the erasure audit finds none of their values
anywhere, in clear or as any hash the system computes: not on the store (every
database, the oplog included), not on any Kafka topic, not in the processes' logs. Their
files too: the document the handler sends them with the completion request (on the case
page) and the file they answer with (on the tracking page), each by its name, a marker
inside its content and its sha256 (GridFS keeps them sealed with the applicant's key)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import requests

from conftest import Tokens, csrf_token
from devstack.stack import Stack
from tests.e2e.browser import browser  # noqa: F401 - a pytest fixture
from tests.e2e.conftest import case_by_reference, first_match, mails_to, wait_for
from tests.e2e.test_pages_in_a_browser import sign_in
from tests.security.at_rest import file_values
from tests.security.audited_stack import Jobs, api, audited_clean

pytestmark = pytest.mark.e2e


def test_nothing_of_an_applicant_is_left_after_their_case_is_erased(
    own_stack: Stack,
    own_tokens: Tokens,
    browser,  # noqa: F811
    tmp_path,
):
    stack, tokens = own_stack, own_tokens
    assert stack.infra is not None
    run = uuid.uuid4().hex[:8]
    digits = str(int(run, 16))[-7:].rjust(7, "3")
    intake, desk = stack.url("intake"), stack.url("business_desk")
    handler = api(desk, tokens.header("case_handler", "business_desk"))
    values = {
        "contact name": f"Ingrid Raderasdotter {run}",
        "email": f"ingrid-{run}@kafe.example.se",
        "phone": f"070-{digits[:3]} {digits[3:5]} {digits[5:]}",
        "company": f"Kafé Glömska {run} AB",
        "description": f"Vi vill servera vin på uteserveringen vid torget ({run}).",
        "completion request": f"Skicka en planritning över serveringsytan, ärende {run}.",
        "answer": f"Planritningen är bifogad i tre exemplar, {run}.",
        "extension reason": f"Remissvaret från polisen dröjer för {run}.",
        "decision": f"Serveringstillstånd beviljas för uteserveringen {run}.",
        "further document note": f"Brandskyddsintyget för lokalen, {run}.",
        "further document name": f"brandskyddsintyg-{run}.pdf",
        "survey comment": f"Tack Sara, snabbt och vänligt bemötande {run}!",
    }
    document, document_content = file_values(run, "document", f"Blankett till Ingrid {run}.pdf")
    answer_file, answer_content = file_values(run, "answer file", f"Planritning Raderasdotter {run}.pdf")
    values.update(document | answer_file)

    # Submitted on the web form, with a receipt and a tracking link.
    portal = requests.Session()
    form = csrf_token(portal.get(f"{intake}/", timeout=10).text)
    inquiry = {
        "organisation_number": "556703-7485",
        "company": values["company"],
        "contact_name": values["contact name"],
        "email": values["email"],
        "phone": values["phone"],
        "case_type": "alcohol_serving_licence",
        "description": values["description"],
        "language": "sv",
        "csrf_token": form,
    }
    receipt = portal.post(f"{intake}/", data=inquiry, timeout=10)
    assert receipt.status_code == 201, receipt.text
    reference = re.search(r'id="reference">([^<]+)<', receipt.text).group(1)  # type: ignore[union-attr]
    tracking_url = re.search(r'id="tracking-link" href="([^"]+)"', receipt.text).group(1)  # type: ignore[union-attr]
    values["tracking token"] = tracking_url.rstrip("/").rsplit("/", 1)[1].split("?")[0]
    case = wait_for(
        lambda: case_by_reference(stack, reference, tokens.header("case_handler", "business_desk")),
        60,  # through intake's relay, Kafka and business_desk's consumer, on a busy machine
        "the case",
    )
    case_path = f"/api/v1/cases/{case['id']}"  # type: ignore[index]

    # Claimed, completion requested and answered on the tracking page, extended, decided.
    assert handler("POST", f"{case_path}/claim").status_code == 200
    # the completion request on the case page, with a document for the applicant
    desk_page = sign_in(browser, f"{desk}/cases/{case['id']}?lang=sv", "sara.handler")  # type: ignore[index]
    chosen = tmp_path / values["document name"]
    chosen.write_bytes(document_content)
    desk_page.fill("#message", values["completion request"])
    desk_page.set_input_files("#completion-documents", str(chosen))
    desk_page.click("#completion-documents ~ button[type=submit]")
    desk_page.locator("ul.attachments a", has_text=values["document name"]).wait_for()
    desk_page.context.close()
    page = wait_for(
        lambda: first_match(
            lambda: portal.get(tracking_url, timeout=10).text,
            lambda text: values["completion request"] in text,
        ),
        20,
        "the request on the tracking page",
    )
    answered = portal.post(
        f"{tracking_url.split('?')[0]}/answer",
        data={"answer": values["answer"], "csrf_token": csrf_token(page)},  # type: ignore[arg-type]
        files={"files": (values["answer file name"], answer_content, "application/pdf")},
        timeout=10,
    )
    assert answered.status_code == 200, answered.text
    wait_for(
        lambda: first_match(lambda: handler("GET", case_path).json(), lambda c: c["status"] == "in_progress"),
        20,
        "the answer on the case",
    )
    assert values["document name"] in portal.get(tracking_url, timeout=10).text  # the applicant sees it
    # ...and, after the answer, a further document with a note, on the tracking page
    page = portal.get(tracking_url, timeout=10).text
    sent = portal.post(
        f"{tracking_url.split('?')[0]}/document",
        data={"document_note": values["further document note"], "csrf_token": csrf_token(page)},
        files={"document_files": (values["further document name"], b"%PDF-1.4\n%%EOF\n", "application/pdf")},
        timeout=10,
    )
    assert sent.status_code == 200 and 'id="sent"' in sent.text, sent.text
    wait_for(
        lambda: first_match(
            lambda: handler("GET", case_path).json(),
            lambda c: any(h["type"] == "note_added" for h in c["history"]),
        ),
        20,
        "the further document on the case",
    )
    extended = handler("POST", f"{case_path}/extension", json={"reason": values["extension reason"]})
    assert extended.status_code == 200, extended.text
    decided = handler(
        "POST", f"{case_path}/decision", json={"outcome": "granted", "answer": values["decision"]}
    )
    assert decided.status_code == 200, decided.text
    wait_for(
        lambda: any(values["decision"] in m["body"] for m in mails_to(stack.infra.mail_url, values["email"])),
        20,
        "the decision email",
    )

    # Closed: the applicant answers the survey with a comment.
    assert handler("POST", f"{case_path}/close", json={"reason": "Klart."}).status_code == 200
    page = wait_for(
        lambda: first_match(
            lambda: portal.get(tracking_url, timeout=10).text, lambda text: 'id="survey-form"' in text
        ),
        20,
        "the survey on the tracking page",
    )
    scores = {"overall": "9", "expectations": "8", "ideal": "8"}
    surveyed = portal.post(
        f"{tracking_url.split('?')[0]}/survey",
        data={**scores, "survey_comment": values["survey comment"], "csrf_token": csrf_token(page)},  # type: ignore[arg-type]
        timeout=10,
    )
    assert surveyed.status_code == 200 and 'id="survey-answered"' in surveyed.text, surveyed.text
    wait_for(
        lambda: first_match(
            lambda: handler("GET", case_path).json(),
            lambda c: sum(h["type"] == "note_added" for h in c["history"]) == 2,
        ),
        20,
        "the survey comment on the case",
    )

    # The retention job erases the applicant when it is due, not before.
    jobs = Jobs(stack)
    retention_days = int(stack.env().get("RETENTION_DAYS", "730"))
    decided_on = datetime.now(UTC).date()
    jobs.run("business_desk retention", decided_on + timedelta(days=retention_days - 1))
    assert handler("GET", case_path).json()["personal_erased_on"] is None
    jobs.run("business_desk retention", decided_on + timedelta(days=retention_days))
    wait_for(
        lambda: first_match(lambda: handler("GET", case_path).json(), lambda c: c["personal_erased_on"]),
        20,
        "the case erased",
    )

    audited_clean(stack, values, jobs.logs, control={"case reference": reference})
