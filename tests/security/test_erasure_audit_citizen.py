"""Erasure leaves nothing readable (issue 16, finding 3), for a citizen: their voucher's
whole story runs through the real processes, the real retention job erases them on the
day it is due, and then the erasure audit finds none of their values anywhere, in clear
or as any hash the system computes: not on the store (every database, the oplog
included), not on any Kafka topic, not in the processes' logs."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from conftest import Tokens
from devstack.stack import Stack
from tests.e2e.conftest import mails_to, wait_for
from tests.security.audited_stack import Jobs, api, audited_clean

pytestmark = pytest.mark.e2e

CITIZEN = {  # cilla.citizen at the development e-ID provider
    "personnummer": "201203152002",
    "name": "Cilla Medborgare",
    "e-ID email": "cilla@hem.example.se",
    "e-ID subject": "cilla.citizen",
}


def test_nothing_of_a_citizen_is_left_after_their_voucher_is_erased(own_stack: Stack, own_tokens: Tokens):
    stack, tokens = own_stack, own_tokens
    assert stack.infra is not None
    run = uuid.uuid4().hex[:8]
    vouchers = stack.url("vouchers")
    officer = api(vouchers, tokens.header("voucher_officer", "vouchers"))
    citizen = api(vouchers, tokens.header("citizen", "vouchers"))
    provider = api(vouchers, tokens.header("provider", "vouchers"))
    values = {**CITIZEN, "email": f"cilla-{run}@hem.example.se"}

    # The provider (pelle.provider's organisation) applies and is approved.
    applied = provider(
        "POST",
        "/api/v1/programmes/kulturpeng/applications",
        json={
            "name": "Kulturskolan Pelle",
            "ownership": "private",
            "categories": ["music"],
            "contact_email": f"pelle-{run}@kulturskolan.example.se",
            "description": "Music lessons for children.",
        },
    )
    assert applied.status_code == 201, applied.text
    provider_id = applied.json()["provider_id"]
    decided = officer(
        "POST",
        f"/api/v1/providers/{provider_id}/decisions",
        json={"decision": "approve", "reason": "Meets it."},
    )
    assert decided.status_code == 200, decided.text

    # Granted; the citizen signs in with their personnummer, finds it and chooses.
    granted = officer(
        "POST",
        "/api/v1/vouchers",
        json={
            "programme": "kulturpeng",
            "category": "music",
            "personnummer": "20120315-2002",
            "email": values["email"],
            "language": "sv",
        },
    )
    assert granted.status_code == 201, granted.text
    voucher_id = granted.json()["voucher_id"]
    assert [v["voucher_id"] for v in citizen("GET", "/api/v1/my/vouchers").json()["items"]] == [voucher_id]
    chose = citizen("POST", f"/api/v1/vouchers/{voucher_id}/choice", json={"provider_id": provider_id})
    assert chose.status_code == 200, chose.text

    # A switch to another provider, from tomorrow, taken back: more letters about the citizen.
    other = officer(
        "POST",
        "/api/v1/programmes/kulturpeng/applications",
        json={
            "organisation_number": "2120000142",
            "name": "Kommunens kulturskola",
            "ownership": "municipal",
            "categories": ["music"],
            "contact_email": f"school-{run}@kommun.example.se",
            "description": "The municipality's own music lessons.",
        },
    )
    assert other.status_code in (201, 409), other.text  # 409: an earlier test's, approved already
    other_id = "kulturpeng-2120000142"
    approve = {"decision": "approve", "reason": "Meets it."}
    officer("POST", f"/api/v1/providers/{other_id}/decisions", json=approve)
    tomorrow = (datetime.now(UTC).date() + timedelta(days=1)).isoformat()
    switch = {"provider_id": other_id, "effective_from": tomorrow}
    assert citizen("POST", f"/api/v1/vouchers/{voucher_id}/choice", json=switch).status_code == 200
    assert citizen("DELETE", f"/api/v1/vouchers/{voucher_id}/choice/switch").status_code == 200

    # Delivered (the lesson is paid in next month's run), then the mails are out.
    today = datetime.now(UTC).date()
    lesson = {"report_id": f"lesson-{run}", "units": 2, "delivered_on": today.isoformat()}
    assert provider("POST", f"/api/v1/vouchers/{voucher_id}/deliveries", json=lesson).status_code == 201
    wait_for(lambda: len(mails_to(stack.infra.mail_url, values["email"])) == 3, 30, "the citizen's emails")
    jobs = Jobs(stack)
    next_month = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    jobs.run("vouchers payments", next_month)
    paid = officer("GET", "/api/v1/payments", params={"month": today.strftime("%Y-%m")}).json()["items"]
    assert [p["provider_id"] for p in paid] == [provider_id]

    # The voucher runs out; the retention job erases the citizen when it is due, not before.
    voucher = officer("GET", f"/api/v1/vouchers/{voucher_id}").json()
    valid_until = date.fromisoformat(voucher["valid_until"])
    retention_days = int(stack.env().get("RETENTION_DAYS", "730"))
    jobs.run("vouchers retention", valid_until + timedelta(days=retention_days))
    assert officer("GET", f"/api/v1/vouchers/{voucher_id}").json()["history"][-1]["what"] != "erased"
    jobs.run("vouchers retention", valid_until + timedelta(days=retention_days + 1))
    erased = officer("GET", f"/api/v1/vouchers/{voucher_id}").json()
    assert erased["history"][-1]["what"] == "erased" and erased["redeemed_ore"] > 0  # the figures stay
    assert citizen("GET", "/api/v1/my/vouchers").json()["items"] == []

    audited_clean(stack, values, jobs.logs, control={"voucher id": voucher_id})
