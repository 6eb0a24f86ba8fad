"""Finding 1.3 of issue 16: handlers were identified by display name, so two people with
the same name acted as each other. Over HTTP against the real processes: two demo users
both called Sara Handläggare (sara.handler and sara.berg, other subjects) each claim a
case; neither can work the other's, and the queue filter tells them apart."""

from __future__ import annotations

import uuid
from urllib.parse import quote

import pytest
import requests

from devstack.oidc import login
from tests.e2e.conftest import case_by_reference, post_inquiry, wait_for

pytestmark = pytest.mark.e2e


def submit(intake: str) -> str:
    email = f"same-name-{uuid.uuid4().hex[:8]}@example.se"
    receipt = post_inquiry(intake, company="Namnlikhet AB", contact_name="Nils Namn", email=email)
    return str(receipt["reference"])


def test_two_handlers_with_the_same_name_cannot_act_as_each_other(stack, infra, tokens):
    intake, desk = stack.url("intake"), stack.url("business_desk")
    sara = tokens.header("case_handler", "business_desk")  # sara.handler
    namesake_token = login(infra.oidc_issuer, "sara.berg", "business_desk")["access_token"]
    namesake = {"Authorization": f"Bearer {namesake_token}"}
    sara_id, namesake_id = f"{infra.oidc_issuer}#sara.handler", f"{infra.oidc_issuer}#sara.berg"
    references = [submit(intake), submit(intake)]
    saras, theirs = (
        wait_for(lambda ref=ref: case_by_reference(stack, ref, sara), 20, "the case") for ref in references
    )

    def post(who: dict, case: dict, step: str, body: dict | None = None) -> requests.Response:
        return requests.post(f"{desk}/api/v1/cases/{case['id']}/{step}", json=body, headers=who, timeout=10)

    claimed = post(sara, saras, "claim").json()
    assert claimed["handler"] == "Sara Handläggare" and claimed["handler_id"] == sara_id
    assert post(namesake, theirs, "claim").json()["handler_id"] == namesake_id

    # the namesake's token carries the same name: it is still not the handler of Sara's case
    for step, body in [
        ("decision", {"outcome": "granted", "answer": "Beviljas."}),
        ("status", {"status": "site_visit"}),
        ("extension", {"reason": "Remiss."}),
        ("completion-request", {"message": "Skicka ritningen."}),
    ]:
        refused = post(namesake, saras, step, body)
        assert refused.status_code == 409, (step, refused.text)
        assert "claim it first" in refused.json()["message"]
    case = case_by_reference(stack, saras["reference"], sara)
    assert case["phase"] == "in_progress" and case["status"] == "in_progress"
    assert case["handler_id"] == sara_id and case["decision"] is None and case["extension"] is None
    assert post(sara, saras, "status", {"status": "site_visit"}).status_code == 200  # Sara herself may

    def queue(who: dict, handler: str) -> set[str]:
        response = requests.get(
            f"{desk}/api/v1/queues/alcohol_serving_licence?handler={quote(handler)}", headers=who, timeout=10
        )
        assert response.status_code == 200, response.text
        return {c["reference"] for c in response.json()["items"]} & {saras["reference"], theirs["reference"]}

    assert queue(sara, "me") == {saras["reference"]}
    assert queue(namesake, "me") == {theirs["reference"]}
    assert queue(namesake, sara_id) == {saras["reference"]}
    assert queue(sara, namesake_id) == {theirs["reference"]}
    assert queue(sara, "Sara Handläggare") == set()  # a name picks nobody
