"""MongoDB is the system of record: an inquiry submitted while the broker is down is
accepted, and its case appears once the broker is back."""

from __future__ import annotations

import time
import uuid

import pytest

from devstack.infra import Infra
from devstack.oidc import DEMO_USERS, login
from devstack.stack import Stack
from tests.e2e.conftest import case_by_reference, mails_to, post_inquiry, wait_for

pytestmark = pytest.mark.e2e


def test_submission_succeeds_while_the_broker_is_down_and_the_case_appears_when_it_returns(tmp_path):
    infra = Infra(tmp_path / "infra", mongo_in_memory=True)
    with Stack(tmp_path / "stack", infra=infra) as stack:
        token = login(infra.oidc_issuer, DEMO_USERS["case_handler"], "business_desk")["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        kafka = infra.processes["kafka"]
        kafka.stop()
        address = f"outage-{uuid.uuid4().hex[:8]}@example.se"
        danish = {"organisation_number": "13585628", "phone": "+45 33 12 34 56", "language": "en"}
        reference = post_inquiry(
            stack.url("intake"),
            **danish,
            company="Nordic Food ApS",
            contact_name="Mette Hansen",
            email=address,
            case_type="food_business_registration",
            description="Food truck.",
        )["reference"]
        time.sleep(2)
        assert case_by_reference(stack, reference, auth) is None  # nothing can travel yet

        kafka.start()
        case = wait_for(
            lambda: case_by_reference(stack, reference, auth), 90, "case after the broker returned"
        )
        assert case["status"] == "open"
        wait_for(lambda: mails_to(infra.mail_url, address), 60, "receipt after the broker returned")
