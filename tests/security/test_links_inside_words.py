"""Found after issue 16: the rule "links in emails come only from the system's own URLs"
broke up a scheme only where a word starts (`\\bhttps://`), while the HTML part's linkify
found `https://` anywhere. A company named `Kafé xhttps://evil.example/login` therefore
got the municipality to send its receipt with a clickable link to any address. Over HTTP
against the real processes: the receipt's text and HTML parts carry no usable link but
the system's own."""

from __future__ import annotations

import re
import uuid

import pytest
import requests

from conftest import inquiry_form
from tests.e2e.conftest import mails_to, wait_for

pytestmark = pytest.mark.e2e

INQUIRY = inquiry_form(contact_name="Petra Länk", description="Serveringstillstånd.")
HREF = re.compile(r"""href=["']([^"']+)["']""")


@pytest.mark.parametrize(
    "company",
    ["Kafé xhttps://evil.example/login AB", "Kafé_https://evil.example AB", "Kafé 1http://evil.example AB"],
)
def test_a_link_inside_a_word_of_a_company_name_is_not_clickable_in_the_receipt(stack, infra, company):
    applicant = f"inword-{uuid.uuid4().hex[:8]}@example.se"
    submitted = requests.post(
        f"{stack.url('intake')}/api/v1/inquiries",
        json={**INQUIRY, "company": company, "email": applicant},
        timeout=10,
    )
    assert submitted.status_code == 201, submitted.text
    [receipt] = wait_for(lambda: mails_to(infra.mail_url, applicant), 60, "the receipt")
    assert "evil" in receipt["body"]  # the name is there, as text
    assert "://evil" not in receipt["body"], receipt["body"]
    assert receipt["html"], "the receipt has an HTML part"
    links = HREF.findall(receipt["html"])
    assert links, "the receipt links its own tracking page"
    assert all(link.startswith(stack.url("intake")) for link in links), links
