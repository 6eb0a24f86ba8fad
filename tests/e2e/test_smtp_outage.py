"""The SMTP server stops mid-run: every notification waits in notify's outbox and is
delivered exactly once when the server returns."""

from __future__ import annotations

import time
import uuid

import pytest
import requests

from conftest import inquiry_form
from tests.e2e.conftest import mails_to, wait_for

pytestmark = pytest.mark.e2e

INQUIRY = inquiry_form(
    company="Avbrottet AB",
    contact_name="Eva Ek",
    case_type="general_business_advice",
    description="Fråga under ett avbrott i e-posten.",
)


def test_receipts_wait_while_the_smtp_server_is_down_and_each_arrives_once(stack, infra, tokens):
    intake, notify = stack.url("intake"), stack.url("notify")
    addresses = [f"outage-{uuid.uuid4().hex[:8]}@example.se" for _ in range(5)]
    infra.stop_server("smtp")
    try:
        for address in addresses:
            response = requests.post(
                f"{intake}/api/v1/inquiries", json={**INQUIRY, "email": address}, timeout=10
            )
            assert response.status_code == 201
        log_url = f"{notify}/api/v1/notifications"
        auth = tokens.header("manager", "notify")

        def waiting() -> list[dict] | None:
            entries = [
                e
                for e in requests.get(log_url, headers=auth, timeout=5).json()["items"]
                if e["to"] in addresses
            ]
            return entries if len(entries) == len(addresses) else None

        wait_for(waiting, 20, "notify to keep the receipts")
        time.sleep(3)  # several dispatch rounds meet the closed port meanwhile
        # an outage is no fault of a mail: it spends none of its attempts, however long it lasts
        assert [(e["status"], e["attempts"]) for e in waiting() or []] == [("queued", 0)] * len(addresses)
    finally:
        infra.start_server("smtp")
    for address in addresses:
        wait_for(lambda a=address: mails_to(infra.mail_url, a), 60, f"the receipt to {address}")
    time.sleep(3)  # a duplicate would come within a dispatch round or two
    assert [len(mails_to(infra.mail_url, a)) for a in addresses] == [1] * len(addresses)
    statuses = {e["to"]: e["status"] for e in requests.get(log_url, headers=auth, timeout=5).json()["items"]}
    assert all(statuses[a] == "sent" for a in addresses)
