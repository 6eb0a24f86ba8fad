"""Found after issue 16: the vouchers API checked ids and periods with marshmallow's
Regexp, which matches from the start only, and whose `$` also matches before a final
line break: a provider's delivery report with the id `rep-1\\n` was redeemed and the line
break was kept in the event, the payment lines and the provider's page. Over HTTP against
the real processes: every such value must match its pattern as a whole."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import requests

from devstack.vouchers_api import VouchersApi
from tests.e2e.test_vouchers_end_to_end import apply_and_approve

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def held_voucher(stack, tokens) -> str:
    """A voucher the signed-in provider (pelle.provider) holds."""
    vouchers, officer = stack.url("vouchers"), tokens.header("voucher_officer", "vouchers")
    provider = apply_and_approve(
        vouchers, officer, "5560360793", "Kulturskolan Pelle", "private", "p@example.se"
    )
    voucher_id = VouchersApi(vouchers, officer).grant("kulturpeng", "music", "20120315-2002", "c@example.se")
    VouchersApi(vouchers, tokens.header("citizen", "vouchers")).choose(voucher_id, provider)
    return str(voucher_id)


def report(stack, tokens, voucher_id: str, report_id: str) -> requests.Response:
    return requests.post(
        f"{stack.url('vouchers')}/api/v1/vouchers/{voucher_id}/deliveries",
        json={"report_id": report_id, "units": 1, "delivered_on": datetime.now(UTC).date().isoformat()},
        headers=tokens.header("provider", "vouchers"),
        timeout=10,
    )


@pytest.mark.parametrize("report_id", ["rep-1\n", "rep-1\r\n", "rep-1\nBcc: x"])
def test_a_report_id_with_a_line_break_is_refused(stack, tokens, held_voucher, report_id):
    refused = report(stack, tokens, held_voucher, report_id)
    assert refused.status_code == 422, refused.text
    assert list(refused.json()["errors"]["json"]) == ["report_id"]


def test_the_same_id_without_the_line_break_is_redeemed(stack, tokens, held_voucher):
    taken = report(stack, tokens, held_voucher, "rep-1")
    assert taken.status_code == 201, taken.text
    assert taken.json()["report_id"] == "rep-1"


@pytest.mark.parametrize(
    "field, body, path",
    [
        ("month", {"month": "2026-10\n"}, "/api/v1/payment-runs"),
        (
            "period",
            {"measure": "nöjdhet", "value": 4.5, "period": "2026\n"},
            "/api/v1/providers/{provider}/quality",
        ),
    ],
)
def test_a_month_or_period_with_a_line_break_is_refused_at_the_field(
    stack, tokens, held_voucher, field, body, path
):
    url = stack.url("vouchers") + path.format(provider="kulturpeng-5560360793")
    refused = requests.post(url, json=body, headers=tokens.header("voucher_officer", "vouchers"), timeout=10)
    assert refused.status_code == 422, refused.text
    assert list(refused.json()["errors"]["json"]) == [field]
