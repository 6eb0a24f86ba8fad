"""SMS end to end: the applicant chooses SMS on the form; the receipt reaches the local
SMS gateway through Kafka and notify, and no email is sent."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from conftest import csrf_token
from devstack.smsgateway import RecordingSmsGateway
from devstack.stack import Stack
from tests.e2e.conftest import mails_to, own_stack, wait_for

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def gateway() -> Iterator[RecordingSmsGateway]:
    running = RecordingSmsGateway().start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def stack(infra, gateway, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    yield from own_stack(infra, tmp_path_factory, {"SMS_GATEWAY_URL": gateway.url})


def test_the_receipt_goes_by_sms_when_the_applicant_chooses_sms(stack, infra, gateway):
    import requests

    intake = stack.url("intake")
    email, phone = f"sms-{uuid.uuid4().hex[:8]}@example.se", f"070-{uuid.uuid4().int % 10_000_000:07d}"
    browser = requests.Session()
    form = browser.get(f"{intake}/", timeout=10).text
    assert 'name="notify_by" value="sms"' in form
    fields = {
        "organisation_number": "556703-7485",
        "company": "SMS-kaféet AB",
        "contact_name": "Sam Sms",
        "email": email,
        "phone": phone,
        "case_type": "general_business_advice",
        "description": "Vill ha besked per SMS.",
        "language": "sv",
        "notify_by": "sms",
        "csrf_token": csrf_token(form),
    }
    receipt = browser.post(f"{intake}/", data=fields, timeout=10)
    assert receipt.status_code == 201
    [text] = wait_for(lambda: gateway.to(phone), 20, "the SMS at the gateway")
    assert text["message"].startswith("Kvitto") and f"{intake}/track/" in text["message"]
    assert mails_to(infra.mail_url, email) == []
