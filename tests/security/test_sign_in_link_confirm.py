"""Finding 1.5 of issue 16, the magic links: a sign-in link was redeemed by GET, so a mail
scanner that opens links used it up, and a page elsewhere could sign a visitor's browser
in as the attacker (login CSRF). Opening the link now only shows a confirm page; signing
in is a POST with the page's CSRF token. Over HTTP against the real processes."""

from __future__ import annotations

import re
import uuid

import pytest
import requests

from conftest import csrf_token
from tests.e2e.conftest import mails_to, wait_for
from tests.security.test_contact_sign_in import submit

pytestmark = pytest.mark.e2e


def emailed_link(intake: str, mail_url: str, address: str) -> str:
    browser = requests.Session()
    form = browser.get(f"{intake}/sign-in?lang=sv", timeout=10).text
    browser.post(
        f"{intake}/sign-in?lang=sv", data={"email": address, "csrf_token": csrf_token(form)}, timeout=10
    )
    mail = wait_for(
        lambda: [m for m in mails_to(mail_url, address) if "/sign-in/" in m["body"]], 60, "the sign-in email"
    )[0]
    return re.search(r"http://\S+/sign-in/\S+", mail["body"]).group(0)


def test_opening_a_sign_in_link_signs_nobody_in_and_uses_nothing_up(stack, infra):
    intake = stack.url("intake")
    address = f"scanned-{uuid.uuid4().hex[:8]}@example.se"
    own = submit(intake, address, "Skannade AB")
    link = emailed_link(intake, infra.mail_url, address)

    scanner = requests.Session()
    for _ in range(3):  # a mail scanner, a link preview, the user: none of them uses it up
        opened = scanner.get(link, timeout=10, allow_redirects=False)
        assert opened.status_code == 200 and 'id="sign-in-confirm-form"' in opened.text
        assert "Logga in" in opened.text and '<html lang="sv"' in opened.text  # the page's language
    assert scanner.get(f"{intake}/my-cases", timeout=10, allow_redirects=False).status_code == 302

    # login CSRF: a page elsewhere posts the form for the visitor, without this session's token
    forged = requests.Session().post(link, data={}, timeout=10, allow_redirects=False)
    assert forged.status_code == 400
    stolen_token = requests.Session().post(
        link, data={"csrf_token": csrf_token(opened.text)}, timeout=10, allow_redirects=False
    )
    assert stolen_token.status_code == 400  # a token of another session does not count

    signed = scanner.post(link, data={"csrf_token": csrf_token(opened.text)}, timeout=10)
    assert signed.status_code == 200 and own["reference"] in signed.text
    assert requests.get(link, timeout=10).status_code == 410  # once only
