"""Finding 1.1 of issue 16 (critical): anyone could submit an inquiry with another
company's organisation number and their own email, sign in with an email link, and
then read every case of that company in My cases (decisions, letters, messages) and
answer its completion request and survey. An email-link session now reaches only the
cases that name its address as their contact; only a verified organisation claim (the
e-ID sign-in) reaches an organisation's cases. The attack, over HTTP, against the real
processes."""

from __future__ import annotations

import re
import uuid

import pytest
import requests

from conftest import csrf_token, inquiry_form
from tests.e2e.conftest import case_by_reference, first_match, mails_to, wait_for

pytestmark = pytest.mark.e2e

VICTIM_ORGANISATION = "556703-7485"  # the demo applicant anna.applicant's company (a verified claim)
VICTIM_COMPANY = "Offrets Restaurang AB"


def inquiry(email: str, company: str) -> dict:
    return inquiry_form(
        organisation_number=VICTIM_ORGANISATION,
        company=company,
        contact_name="Vera Offer",
        email=email,
        description="Serveringstillstånd för restaurangen.",
    )


def submit(intake: str, email: str, company: str) -> dict:
    receipt = requests.post(f"{intake}/api/v1/inquiries", json=inquiry(email, company), timeout=10)
    assert receipt.status_code == 201, receipt.text
    return receipt.json()


def tracked(intake: str, receipt: dict) -> dict:
    token = receipt["tracking_url"].rsplit("/", 1)[1]
    return requests.get(f"{intake}/api/v1/inquiries/track/{token}", timeout=5).json()


def sign_in_with_email_link(intake: str, mail_url: str, address: str) -> requests.Session:
    """Ask for a link, take it from the email, open it and confirm: a browser session."""
    browser = requests.Session()
    form = browser.get(f"{intake}/sign-in?lang=en", timeout=10).text
    asked = browser.post(
        f"{intake}/sign-in?lang=en", data={"email": address, "csrf_token": csrf_token(form)}, timeout=10
    )
    assert asked.status_code == 200, asked.text
    mail = wait_for(
        lambda: [m for m in mails_to(mail_url, address) if "/sign-in/" in m["body"]], 60, "the sign-in email"
    )[0]
    link = re.search(r"http://\S+/sign-in/\S+", mail["body"]).group(0)
    opened = browser.get(link, timeout=10)
    if 'name="csrf_token"' in opened.text:  # a confirm page: signing in takes a POST
        opened = browser.post(link, data={"csrf_token": csrf_token(opened.text)}, timeout=10)
    assert opened.status_code == 200 and "signed-in-as" in opened.text, opened.text
    return browser


@pytest.fixture(scope="module")
def victim(stack, infra, tokens) -> dict:
    """Two cases of the victim company: one waiting for its answer to a completion
    request, one decided and closed (a decision letter, an open survey)."""
    intake, desk = stack.url("intake"), stack.url("business_desk")
    auth = tokens.header("case_handler", "business_desk")
    email = f"victim-{uuid.uuid4().hex[:8]}@example.se"
    waiting, closed = submit(intake, email, VICTIM_COMPANY), submit(intake, email, VICTIM_COMPANY)
    for receipt, steps in (
        (waiting, [("claim", {}), ("completion-request", {"message": "Skicka ritningen."})]),
        (
            closed,
            [
                ("claim", {}),
                ("decision", {"outcome": "granted", "answer": "Hemligt beslut för offret."}),
                ("close", {"reason": "Arkiveras efter beslut."}),
            ],
        ),
    ):
        case = wait_for(lambda r=receipt: case_by_reference(stack, r["reference"], auth), 30, "the case")
        for step, body in steps:
            done = requests.post(
                f"{desk}/api/v1/cases/{case['id']}/{step}", json=body, headers=auth, timeout=10
            )
            assert done.status_code == 200, (step, done.text)
    wait_for(
        lambda: first_match(
            lambda: tracked(intake, waiting), lambda t: t["status"] == "waiting_for_applicant"
        ),
        30,
        "the completion request at intake",
    )
    wait_for(
        lambda: first_match(lambda: tracked(intake, closed), lambda t: t["status"] == "closed"),
        30,
        "the closed case at intake",
    )
    wait_for(lambda: mails_to(infra.mail_url, email), 60, "the victim's emails")
    return {"email": email, "waiting": waiting, "closed": closed}


def test_an_email_link_in_another_companys_name_reaches_none_of_its_other_cases(stack, infra, victim):
    intake = stack.url("intake")
    attacker_email = f"intruder-{uuid.uuid4().hex[:8]}@example.se"
    own = submit(intake, attacker_email, "Inkräktarna AB")  # the victim's number, the attacker's address
    intruder = sign_in_with_email_link(intake, infra.mail_url, attacker_email)

    listing = intruder.get(f"{intake}/my-cases?lang=en", timeout=10)
    assert listing.status_code == 200
    assert own["reference"] in listing.text  # the case that names the address: reached, on its own
    for case in ("waiting", "closed"):
        assert victim[case]["reference"] not in listing.text
    assert VICTIM_COMPANY not in listing.text

    for case in ("waiting", "closed"):
        inquiry_id = victim[case]["inquiry_id"]
        for path in ("", "/decision.pdf"):
            page = intruder.get(f"{intake}/my-cases/{inquiry_id}{path}?lang=en", timeout=10)
            assert page.status_code == 404, (case, path)
            assert victim[case]["reference"] not in page.text and "Hemligt beslut" not in page.text
    own_page = intruder.get(f"{intake}/my-cases/{own['inquiry_id']}?lang=en", timeout=10)
    assert own_page.status_code == 200 and VICTIM_COMPANY not in own_page.text
    token = csrf_token(intruder.get(f"{intake}/sign-in", timeout=10).text)  # this session's

    # The intruder cannot answer the municipality's completion request (it would restart
    # the legal clock) nor the survey.
    answered = intruder.post(
        f"{intake}/my-cases/{victim['waiting']['inquiry_id']}/answer",
        data={"answer": "Falskt svar", "csrf_token": token},
        timeout=10,
    )
    assert answered.status_code == 404
    surveyed = intruder.post(
        f"{intake}/my-cases/{victim['closed']['inquiry_id']}/survey",
        data={"overall": "1", "expectations": "1", "ideal": "1", "csrf_token": token},
        timeout=10,
    )
    assert surveyed.status_code == 404
    # the victim's own tracking pages still wait for the victim's answers
    assert 'id="answer-form"' in requests.get(victim["waiting"]["tracking_url"], timeout=10).text
    assert 'id="survey-form"' in requests.get(victim["closed"]["tracking_url"], timeout=10).text

    # The session cookie is no key to the API either (it takes verified Bearer tokens only).
    assert intruder.get(f"{intake}/api/v1/my/inquiries", timeout=10).status_code == 401


def test_a_verified_organisation_claim_reaches_every_case_of_the_organisation(stack, tokens, victim):
    """The e-ID sign-in's organisation claim, the way to an organisation's cases, still works."""
    mine = requests.get(
        f"{stack.url('intake')}/api/v1/my/inquiries", headers=tokens.header("applicant", "intake"), timeout=10
    )
    assert mine.status_code == 200
    references = {case["reference"] for case in mine.json()["items"]}
    assert {victim["waiting"]["reference"], victim["closed"]["reference"]} <= references


def test_the_victims_own_email_link_reaches_the_victims_cases(stack, infra, victim):
    intake = stack.url("intake")
    victim_session = sign_in_with_email_link(intake, infra.mail_url, victim["email"])
    listing = victim_session.get(f"{intake}/my-cases?lang=en", timeout=10).text
    assert victim["waiting"]["reference"] in listing and victim["closed"]["reference"] in listing
    letter = victim_session.get(
        f"{intake}/my-cases/{victim['closed']['inquiry_id']}/decision.pdf", timeout=10
    )
    assert letter.status_code == 200 and letter.headers["Content-Type"] == "application/pdf"
