"""Found after issue 16: `case.read` and `voucher.read` named `service: all`, and
`attachment.read` too, though no service reads a case file or a voucher and only
business_desk fetches attachments. Whoever held any one service's client secret (notify's,
say, which also holds the mail server's credentials) could ask the provider for a token
for business_desk's audience and read every company's case file with its contact
details. Over HTTP against the real processes: each service's own client-credentials
token, for the API it targets, is refused what that service never needs."""

from __future__ import annotations

import uuid

import pytest
import requests

from devstack.vouchers_api import VouchersApi
from tests.e2e.conftest import case_by_reference, post_inquiry, wait_for

pytestmark = pytest.mark.e2e

OTHER_SERVICES = ("service:intake", "service:notify", "service:vouchers", "service:business_desk")


def test_no_service_reads_a_case_file(stack, tokens):
    email = f"least-{uuid.uuid4().hex[:8]}@example.se"
    intake = stack.url("intake")
    receipt = post_inquiry(intake, company="Kafé Behörig AB", contact_name="Bea Behörig", email=email)
    reference = receipt["reference"]
    case = wait_for(
        lambda: case_by_reference(stack, reference, tokens.header("case_handler", "business_desk")),
        60,
        "the case",
    )
    desk = stack.url("business_desk")
    for caller in OTHER_SERVICES:
        auth = tokens.header(caller, "business_desk")
        for path in (f"/api/v1/cases/{case['id']}", f"/api/v1/cases/by-reference/{reference}"):  # type: ignore[index]
            refused = requests.get(f"{desk}{path}", headers=auth, timeout=10)
            assert refused.status_code == 403, (caller, path, refused.status_code)
            assert "Kafé Behörig" not in refused.text


def test_no_service_reads_a_voucher(stack, tokens):
    vouchers = stack.url("vouchers")
    officer = VouchersApi(vouchers, tokens.header("voucher_officer", "vouchers"))
    voucher_id = officer.grant("kulturpeng", "music", "20120315-2002", "c@example.se")
    url = f"{vouchers}/api/v1/vouchers/{voucher_id}"
    for caller in OTHER_SERVICES:
        refused = requests.get(url, headers=tokens.header(caller, "vouchers"), timeout=10)
        assert refused.status_code == 403, (caller, refused.status_code)


def test_only_business_desk_fetches_an_attachment_from_intake(stack, tokens):
    url = f"{stack.url('intake')}/api/v1/inquiries/{uuid.uuid4()}/attachments/{'0' * 24}"
    assert (
        requests.get(url, headers=tokens.header("service:business_desk", "intake"), timeout=10).status_code
        == 404
    )
    for caller in ("service:notify", "service:vouchers", "service:intake"):
        refused = requests.get(url, headers=tokens.header(caller, "intake"), timeout=10)
        assert refused.status_code == 403, (caller, refused.status_code)
