"""Finding 1.2 of issue 16: a team lead read every notification, citizens' home-care
letters and sign-in emails included. Every read of notify's log is scoped in its query
to what the caller's permission covers; this checks the records each role gets back,
over HTTP, from the real processes."""

from __future__ import annotations

import uuid

import pytest
import requests

from conftest import csrf_token, inquiry_form
from devstack.vouchers_api import VouchersApi
from tests.e2e.conftest import mails_to, wait_for

pytestmark = pytest.mark.e2e


def inquiry(email: str, case_type: str) -> dict:
    return inquiry_form(
        email=email,
        case_type=case_type,
        company="Scopes AB",
        contact_name="Siv Scope",
        description="Vilka ser mina mejl?",
    )


@pytest.fixture(scope="module")
def notified(stack, infra, tokens) -> dict[str, str]:
    """One notification of each kind: a receipt for a case of the team lead's team, one
    for another team's case, a sign-in email (to the first case's contact: links go only
    to addresses that have cases) and a citizen's home-care letter."""
    run = uuid.uuid4().hex[:8]
    intake, vouchers = stack.url("intake"), stack.url("vouchers")
    addresses = {kind: f"{kind}-{run}@example.se" for kind in ("team", "other", "citizen")}
    references = {}
    for kind, case_type in (("team", "alcohol_serving_licence"), ("other", "building_permit")):
        receipt = requests.post(
            f"{intake}/api/v1/inquiries", json=inquiry(addresses[kind], case_type), timeout=10
        )
        assert receipt.status_code == 201, receipt.text
        references[kind] = receipt.json()["reference"]
    browser = requests.Session()
    form = browser.get(f"{intake}/sign-in", timeout=10).text
    asked = browser.post(
        f"{intake}/sign-in", data={"email": addresses["team"], "csrf_token": csrf_token(form)}, timeout=10
    )
    assert asked.status_code == 200, asked.text
    officer = VouchersApi(vouchers, tokens.header("voucher_officer", "vouchers"))
    references["citizen"] = officer.grant(
        "hemtjanst", "home_care", "20120315-2002", addresses["citizen"], units_per_period=20
    )
    for kind, address in addresses.items():
        wait_for(lambda a=address: mails_to(infra.mail_url, a), 60, f"the {kind} email")
    wait_for(lambda: len(mails_to(infra.mail_url, addresses["team"])) == 2, 60, "the sign-in email")
    return {**{f"{k}_address": v for k, v in addresses.items()}, **references}


def log_as(stack, tokens, role: str) -> requests.Response:
    return requests.get(
        f"{stack.url('notify')}/api/v1/notifications", headers=tokens.header(role, "notify"), timeout=10
    )


def test_a_team_lead_reads_the_notifications_of_the_teams_cases_only(stack, tokens, notified):
    response = log_as(stack, tokens, "team_lead")
    assert response.status_code == 200
    entries = response.json()["items"]
    assert {e["reference"] for e in entries} == {notified["team"]}
    # the receipt only: not the sign-in email sent to the same address
    assert [(e["to"], e["event_type"]) for e in entries] == [
        (notified["team_address"], "intake.inquiry_submitted")
    ]
    for kind in ("other", "citizen"):
        assert notified[f"{kind}_address"] not in response.text
    assert "Hemtjänst" not in response.text and "inloggningslänk" not in response.text


def test_a_manager_reads_every_cases_notifications_but_no_letters_and_no_sign_in(stack, tokens, notified):
    response = log_as(stack, tokens, "manager")
    assert response.status_code == 200
    assert {e["reference"] for e in response.json()["items"]} == {notified["team"], notified["other"]}
    assert notified["citizen_address"] not in response.text
    assert {e["event_type"] for e in response.json()["items"]} == {"intake.inquiry_submitted"}


def test_the_case_page_service_reads_the_case_log_and_no_other_service_reads_any(stack, tokens, notified):
    desk = log_as(stack, tokens, "service:business_desk")
    assert desk.status_code == 200
    assert {e["reference"] for e in desk.json()["items"]} == {notified["team"], notified["other"]}
    for role in ("service:intake", "service:notify", "service:vouchers"):
        assert log_as(stack, tokens, role).status_code == 403, role


@pytest.mark.parametrize(
    "role", ["administrator", "case_handler", "applicant", "citizen", "provider", "voucher_officer"]
)
def test_every_other_role_reads_no_notification(stack, tokens, notified, role):
    response = log_as(stack, tokens, role)
    assert response.status_code == 403 and notified["team_address"] not in response.text


def test_figures_count_without_records(stack, tokens, notified):
    for role in ("administrator", "manager", "team_lead", "service:business_desk"):
        response = requests.get(
            f"{stack.url('notify')}/api/v1/notifications/figures",
            headers=tokens.header(role, "notify"),
            timeout=10,
        )
        assert response.status_code == 200, role
        assert "@" not in response.text and response.json()["channels"]["email"]["sent"] >= 4, role


def test_the_portals_messages_are_the_applicants_of_that_case_only(stack, tokens, notified):
    def messages(reference: str, role: str = "service:intake") -> requests.Response:
        return requests.get(
            f"{stack.url('notify')}/api/v1/messages",
            params={"reference": reference},
            headers=tokens.header(role, "notify"),
            timeout=10,
        )

    assert [m["subject"].split(":")[0] for m in messages(notified["team"]).json()["items"]] == ["Kvitto"]
    assert messages("sign-in").json()["items"] == [] and messages(notified["citizen"]).json()["items"] == []
    for role in ("service:business_desk", "service:notify", "service:vouchers", "manager", "team_lead"):
        assert messages(notified["team"], role).status_code == 403, role
