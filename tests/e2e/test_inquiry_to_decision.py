"""End to end across the real processes: HTTP in, Kafka between, emails out."""

from __future__ import annotations

import json
import re
import uuid

import pytest
import requests
from kafka import KafkaProducer
from pymongo import MongoClient

from conftest import csrf_token, inquiry_form
from tests.e2e.conftest import case_by_reference, first_match, mails_to, post_inquiry, wait_for

pytestmark = pytest.mark.e2e


def test_a_business_owner_submits_a_handler_decides_and_the_applicant_is_told_at_every_step(
    stack, infra, tokens
):
    auth = tokens.header("case_handler", "business_desk")
    address = f"owner-{uuid.uuid4().hex[:8]}@example.se"
    intake, desk = stack.url("intake"), stack.url("business_desk")

    # The business owner fills in the web form and gets a receipt page.
    browser = requests.Session()
    token = csrf_token(browser.get(f"{intake}/", timeout=10).text)
    form = {**inquiry_form(email=address), "csrf_token": token}
    receipt_page = browser.post(f"{intake}/", data=form, timeout=10)
    assert receipt_page.status_code == 201
    reference = re.search(r'id="reference">([^<]+)<', receipt_page.text).group(1)
    tracking_url = re.search(r'id="tracking-link" href="([^"]+)"', receipt_page.text).group(1)

    # The case reaches the handlers' queue and the receipt reaches the applicant.
    case = wait_for(lambda: case_by_reference(stack, reference, auth), 10, "case in the queue")
    queue = requests.get(f"{desk}/api/v1/queues/alcohol_serving_licence", headers=auth, timeout=5).json()[
        "items"
    ]
    assert reference in [c["reference"] for c in queue]
    [receipt] = wait_for(lambda: mails_to(infra.mail_url, address), 10, "receipt email")
    assert reference in receipt["subject"] and tracking_url in receipt["body"]

    # The handler claims the case and asks for more information.
    url = f"{desk}/api/v1/cases/{case['id']}"
    assert requests.post(f"{url}/claim", headers=auth, timeout=10).status_code == 200
    asked = requests.post(
        f"{url}/completion-request",
        json={"message": "Skicka planritningen."},
        headers=auth,
        timeout=10,
    )
    assert asked.json()["status"] == "waiting_for_applicant"
    wait_for(lambda: len(mails_to(infra.mail_url, address)) == 2, 10, "completion request email")
    page = wait_for(
        lambda: first_match(
            lambda: requests.get(tracking_url, timeout=5).text, lambda text: "Skicka planritningen." in text
        ),
        10,
        "tracking page shows the request",
    )
    assert "Vi behöver fler uppgifter från dig" in page

    # The applicant's reply is registered; the handler decides.
    assert (
        requests.post(
            f"{url}/applicant-reply", json={"reply": "Ritning bifogad."}, headers=auth, timeout=10
        ).status_code
        == 200
    )
    decided = requests.post(
        f"{url}/decision",
        json={"outcome": "granted", "answer": "Serveringstillstånd beviljas."},
        headers=auth,
        timeout=10,
    )
    assert decided.json()["status"] == "decided"
    mails = wait_for(
        lambda: first_match(lambda: mails_to(infra.mail_url, address), lambda m: len(m) == 3),
        10,
        "decision email",
    )
    assert mails[2]["subject"] == f"Beslut i ärende {reference}: Beviljat"
    assert "Serveringstillstånd beviljas." in mails[2]["body"] and "överklaga" in mails[2]["body"]

    # The tracking link tells the whole story in plain words.
    token = tracking_url.rsplit("/", 1)[1]
    tracked = wait_for(
        lambda: first_match(
            lambda: requests.get(f"{intake}/api/v1/inquiries/track/{token}?lang=en", timeout=5).json(),
            lambda t: t["status"] == "decided",
        ),
        10,
        "tracking shows the decision",
    )
    assert tracked["decision"]["answer"] == "Serveringstillstånd beviljas."
    assert [h["status"] for h in tracked["history"]] == [
        "submitted",
        "registered",
        "in_progress",
        "waiting_for_applicant",
        "in_progress",
        "decided",
    ]


def test_an_inquiry_delivered_twice_makes_one_case_and_one_email(stack, infra, tokens):
    auth = tokens.header("case_handler", "business_desk")
    address = f"twice-{uuid.uuid4().hex[:8]}@example.se"
    receipt = requests.post(
        f"{stack.url('intake')}/api/v1/inquiries", json=inquiry_form(email=address), timeout=10
    ).json()
    wait_for(lambda: case_by_reference(stack, receipt["reference"], auth), 10, "case")
    wait_for(lambda: mails_to(infra.mail_url, address), 10, "receipt")

    # Deliver the very same message again, as a relay restarted mid-batch would.
    env = stack.env()
    with MongoClient(env["MONGODB_URI"]) as client:
        stored = client[f"{env['MONGODB_DATABASE_PREFIX']}intake"]["events"].find_one(
            {"data.reference": receipt["reference"]}, {"_id": 0, "position": 0}
        )
    producer = KafkaProducer(bootstrap_servers=env["KAFKA_BOOTSTRAP_SERVERS"])
    producer.send(
        f"{env['KAFKA_TOPIC_PREFIX']}intake.inquiry.v1",
        key=stored["stream_id"].encode(),
        value=json.dumps(stored).encode(),
    ).get(timeout=10)
    producer.close()

    # Then something after it, so we know the duplicate has been consumed.
    marker = f"marker-{uuid.uuid4().hex[:8]}@example.se"
    later = post_inquiry(stack.url("intake"), email=marker)
    wait_for(lambda: case_by_reference(stack, later["reference"], auth), 10, "later case")
    wait_for(lambda: mails_to(infra.mail_url, marker), 10, "later receipt")

    queue = requests.get(
        f"{stack.url('business_desk')}/api/v1/queues/alcohol_serving_licence", headers=auth, timeout=5
    ).json()["items"]
    assert [c["reference"] for c in queue].count(receipt["reference"]) == 1
    assert len(mails_to(infra.mail_url, address)) == 1
