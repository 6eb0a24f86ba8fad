"""Finding 1.4 of issue 16, intake's side: the portal showed the receipt and the new-link
emails, tracking link included, to whoever reached the case (every member of the company
signed in with the e-ID). The portal shows when, how and about what it wrote, never a
message's text. Over HTTP against the real processes."""

from __future__ import annotations

import re
import uuid

import pytest
import requests

from conftest import csrf_token
from tests.e2e.conftest import mails_to, wait_for
from tests.security.test_contact_sign_in import sign_in_with_email_link, submit

pytestmark = pytest.mark.e2e


def test_no_page_of_the_portal_shows_a_tracking_link_from_the_emails(stack, infra):
    intake = stack.url("intake")
    address = f"links-{uuid.uuid4().hex[:8]}@example.se"
    receipt = submit(intake, address, "Länkfria AB")
    old_token = receipt["tracking_url"].rsplit("/", 1)[1]
    wait_for(lambda: mails_to(infra.mail_url, address), 60, "the receipt")
    page = requests.Session()
    tracking = page.get(receipt["tracking_url"], timeout=10).text
    page.post(f"{receipt['tracking_url']}/new-link", data={"csrf_token": csrf_token(tracking)}, timeout=10)
    new_link = wait_for(
        lambda: [
            m
            for m in mails_to(infra.mail_url, address)
            if "/track/" in m["body"] and old_token not in m["body"]
        ],
        60,
        "the new-link email",
    )[0]
    new_token = re.search(r"/track/([^\s\"<>]+)", new_link["body"]).group(1)

    applicant = sign_in_with_email_link(intake, infra.mail_url, address)

    def listed_with_both_emails() -> str | None:
        text = applicant.get(f"{intake}/my-cases/{receipt['inquiry_id']}", timeout=10).text
        listed = re.search(r'<ul class="messages">(.*?)</ul>', text, re.S)
        return text if listed and listed.group(1).count("<li>") >= 2 else None

    case_page = wait_for(listed_with_both_emails, 60, "the receipt and the new-link email in My cases")
    assert 'id="messages"' in case_page
    for token in (old_token, new_token):
        assert token not in case_page
    assert "/track/" not in case_page and "/sign-in/" not in case_page
    tracked = requests.get(f"{intake}/track/{new_token}", timeout=10).text
    assert old_token not in tracked and "/track/" not in tracked.replace(f"/track/{new_token}", "")
