"""Finding 3 of issue 16, intake's side, against the real processes: intake's
`contact_key` (an HMAC of the email under a key every intake process holds) outlived the
erasure and could be brute-forced or linked, sign-in requests were never erased, and the
tracking read model kept the company, the completion request and the decision's answer in
clear in the store's replication log. After erasure the erasure audit's search finds none
of the applicant's values in what intake wrote: its collections, their oplog entries,
its topics and its log lines, in clear or as any hash that survives the erasure. The file
the applicant answers with on the tracking page is among them (its name, a marker inside
its content, its sha256): GridFS keeps it sealed with the contact's key."""

from __future__ import annotations

import uuid

import pytest
import requests

from conftest import csrf_token
from tests.e2e.conftest import first_match, wait_for
from tests.security.applicant import applicant_values, case_at_the_desk
from tests.security.at_rest import erase_now, file_values, readable
from tests.security.test_contact_sign_in import sign_in_with_email_link

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def worked(stack, infra, tokens) -> dict[str, str]:
    """A case asked for completion, answered with a file on the tracking page, decided and
    closed, whose contact signed in by email link."""
    run = uuid.uuid4().hex[:8]
    values = {
        **applicant_values(run, "Ingrid Intag", "Intagna", "torget", "55 44"),
        "message": f"Skicka ritningen över torget {run}.",
        "answer": f"Serveringstillstånd vid torget beviljas {run}.",
        "portal answer": f"Ritningen över torget bifogas, {run}.",
    }
    answer_file, content = file_values(run, "answer file", f"Ritning Intagna {run}.pdf")
    values.update(answer_file)
    intake = stack.url("intake")
    receipt, case, auth, url = case_at_the_desk(stack, tokens, values, wait_s=30)
    token = receipt["tracking_url"].rsplit("/", 1)[1]
    for step, body in [("claim", None), ("completion-request", {"message": values["message"]})]:
        response = requests.post(f"{url}/{step}", json=body, headers=auth, timeout=10)
        assert response.status_code == 200, (step, response.text)
    portal = requests.Session()
    page = wait_for(
        lambda: first_match(
            lambda: portal.get(f"{intake}/track/{token}", timeout=10).text,
            lambda text: values["message"] in text,
        ),
        30,
        "the request on the tracking page",
    )
    answered = portal.post(
        f"{intake}/track/{token}/answer",
        data={"answer": values["portal answer"], "csrf_token": csrf_token(page)},  # type: ignore[arg-type]
        files={"files": (values["answer file name"], content, "application/pdf")},
        timeout=10,
    )
    assert answered.status_code == 200, answered.text
    wait_for(
        lambda: first_match(
            lambda: requests.get(url, headers=auth, timeout=10).json(), lambda c: c["status"] == "in_progress"
        ),
        30,
        "the answer at the desk",
    )
    for step, body in [
        ("decision", {"outcome": "granted", "answer": values["answer"]}),
        ("close", {"reason": "Arkiveras."}),
    ]:
        response = requests.post(f"{url}/{step}", json=body, headers=auth, timeout=10)
        assert response.status_code == 200, (step, response.text)
    wait_for(
        lambda: first_match(
            lambda: requests.get(f"{intake}/api/v1/inquiries/track/{token}", timeout=5).json(),
            lambda t: t["status"] == "closed",
        ),
        30,
        "the closed case at intake",
    )
    session = sign_in_with_email_link(intake, infra.mail_url, values["email"])
    assert receipt["reference"] in session.get(f"{intake}/my-cases", timeout=10).text
    return {**values, "tracking_token": token, "reference": receipt["reference"], "case_id": case["id"]}


def test_intake_keeps_the_applicants_values_sealed_at_rest(stack, worked):
    values = {k: v for k, v in worked.items() if k not in ("reference", "case_id")}
    assert readable(stack, values, "intake") == []


def test_after_erasure_nothing_of_the_applicant_is_readable_in_what_intake_wrote(stack, worked):
    erase_now(stack)
    intake = stack.url("intake")
    wait_for(
        lambda: (
            requests.get(f"{intake}/api/v1/inquiries/track/{worked['tracking_token']}", timeout=5).status_code
            in (404, 410)
        ),
        30,
        "the erasure at intake",
    )
    values = {k: v for k, v in worked.items() if k not in ("reference", "case_id")}
    assert readable(stack, values, "intake") == []
