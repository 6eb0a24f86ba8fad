"""Found after issue 16: anyone may ask for a sign-in link to any contact address (the
page answers the same whether the address has cases, so nobody learns whose it is), and
each request sent one more email: 40 requests in a minute from one client made the
municipality mail an applicant 40 times, and from many addresses there was no bound at
all (the rate limit counts per client, not per recipient). Over HTTP against the real
processes: however often it is asked, an address gets at most MAX_OPEN_SIGN_IN_LINKS
links while they work, and the answer to the asker stays the same."""

from __future__ import annotations

import time
import uuid

import pytest
import requests

from conftest import csrf_token
from intake.domain.inquiries import MAX_OPEN_SIGN_IN_LINKS
from tests.e2e.conftest import mails_to, post_inquiry, wait_for

pytestmark = pytest.mark.e2e

ASKED = 8


def ask_for_a_link(intake: str, email: str) -> requests.Response:
    browser = requests.Session()  # each as a new visitor (a script would not keep its cookie)
    token = csrf_token(browser.get(f"{intake}/sign-in?lang=en", timeout=10).text)
    return browser.post(f"{intake}/sign-in?lang=en", data={"email": email, "csrf_token": token}, timeout=10)


def test_an_address_gets_a_bounded_number_of_sign_in_links_however_often_they_are_asked_for(stack, infra):
    intake, email = stack.url("intake"), f"bombed-{uuid.uuid4().hex[:8]}@example.se"
    post_inquiry(intake, company="Kafé Brevlåda AB", contact_name="Bo Brevlåda", email=email)
    wait_for(lambda: mails_to(infra.mail_url, email), 60, "the receipt")

    answers = [ask_for_a_link(intake, email) for _ in range(ASKED)]
    assert {a.status_code for a in answers} == {200}
    assert (
        len({a.text.replace(csrf_token(a.text), "") if "csrf_token" in a.text else a.text for a in answers})
        == 1
    )

    def sign_in_mails() -> list[dict]:
        return [m for m in mails_to(infra.mail_url, email) if "/sign-in/" in m["body"]]

    wait_for(lambda: len(sign_in_mails()) >= MAX_OPEN_SIGN_IN_LINKS, 60, "the first links")
    time.sleep(5)  # what more the outbox would send has had its time
    assert len(sign_in_mails()) == MAX_OPEN_SIGN_IN_LINKS
