"""Finding 3 of issue 16, business_desk's side, against the real processes: the reasons
of extensions, closings and reopenings were in clear in the case events and history
lines, and every value of the case read model (contact, company, description, answers,
notes) stayed readable in the store's replication log after erasure. Now business_desk
writes nothing of the applicant in clear, neither before nor after the erasure: its
collections, the oplog entries of its database, the topics it publishes and its
processes' log lines hold none of their values, in clear or as any hash that survives
the erasure (the erasure audit's search)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
import requests

from tests.e2e.conftest import case_by_reference
from tests.security.applicant import applicant_values, case_at_the_desk
from tests.security.at_rest import erase_now, readable

pytestmark = pytest.mark.e2e
SERVICE = "business_desk"


@pytest.fixture(scope="module")
def worked(stack, tokens) -> dict[str, str]:
    """A case worked through every step that takes a free text, decided and closed."""
    run = uuid.uuid4().hex[:8]
    values = {
        **applicant_values(run, "Greta Glömsk", "Glömska", "kajen", "66 77"),
        "message": f"Skicka planritningen över kajen {run}.",
        "reply": f"Planritningen skickas med posten {run}.",
        "note": f"Ringde Greta om kajen {run}.",
        "extension": f"Polisens yttrande om kajen dröjer {run}.",
        "delay": f"Länsstyrelsen har kajen på remiss {run}.",
        "answer": f"Serveringstillstånd vid kajen beviljas {run}.",
        "closing": f"Beslutet om kajen har vunnit laga kraft {run}.",
    }
    receipt, _case, auth, url = case_at_the_desk(stack, tokens, values, wait_s=20)
    reference = receipt["reference"]
    later = (date.today() + timedelta(days=60)).isoformat()
    for step, body in [
        ("claim", None),
        ("completion-request", {"message": values["message"]}),
        ("applicant-reply", {"reply": values["reply"]}),
        ("notes", {"note": values["note"]}),
        ("extension", {"reason": values["extension"]}),
        ("delay-notice", {"reason": values["delay"], "expected_by": later}),
        ("decision", {"outcome": "granted", "answer": values["answer"]}),
        ("close", {"reason": values["closing"]}),
    ]:
        response = requests.post(f"{url}/{step}", json=body, headers=auth, timeout=10)
        assert response.status_code == 200, (step, response.text)
    shown = case_by_reference(stack, reference, auth)
    assert (
        shown["closed"]["reason"] == values["closing"] and shown["extension"]["reason"] == values["extension"]
    )
    assert (
        shown["contact"]["email"] == values["email"] and shown["history"][-1]["detail"] == values["closing"]
    )
    return {**values, "reference": reference}


def test_business_desk_keeps_the_applicants_values_sealed_at_rest(stack, worked):
    """Before any erasure, nothing of the applicant is in clear in what business_desk wrote."""
    values = {k: v for k, v in worked.items() if k != "reference"}
    assert readable(stack, values, SERVICE) == []


def test_after_erasure_nothing_of_the_applicant_is_readable_in_what_business_desk_wrote(
    stack, tokens, worked
):
    erase_now(stack)
    case = case_by_reference(stack, worked["reference"], tokens.header("case_handler", "business_desk"))
    assert case["personal_erased_on"] and case["contact"] is None and case["closed"]["reason"] is None
    assert all(h["detail"] is None for h in case["history"])
    values = {k: v for k, v in worked.items() if k != "reference"}
    assert readable(stack, values, SERVICE) == []
