"""Findings 2.1 and 2.2 of issue 16, over HTTP against the real processes.

2.1: a carriage return in an approved provider's name crashed notify's dispatcher in a
loop, and every mail behind it waited forever. The name is now refused at the field, but
the mechanism must hold for whatever reaches the topic: the poison event is put on the
real topic (as a producer that let it through would), and the receipt of an inquiry
submitted after it must still arrive.
2.1 as a mechanism: hostile bytes on every topic a consumer reads are dead-lettered by
every consumer that reads them, with the reason, and a journey through all three
consumers completes behind them.
2.2: line breaks in contact_name / company let anyone make the municipality mail any text
with clickable links: refused at the field."""

from __future__ import annotations

import json
import uuid

import pytest
import requests

from conftest import inquiry_form
from kernel.eventsourcing.contracts import golden_example
from tests.e2e.conftest import case_by_reference, first_match, mails_to, wait_for

pytestmark = pytest.mark.e2e

INQUIRY = inquiry_form(
    company="Kafé Poison AB", contact_name="Petra Poison", description="Serveringstillstånd."
)
LINKS = "Petra\n\nDitt ärende har avslagits. Överklaga: https://evil.example/overklaga, appeal@evil.example"


def put_on_topics(infra, messages: list[tuple[str, bytes, bytes]]) -> None:  # type: ignore[no-untyped-def]
    """(topic, key, value) sent as a producer that let them through would."""
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=infra.kafka_bootstrap)
    for topic, key, value in messages:
        producer.send(topic, key=key, value=value)
    producer.flush()
    producer.close()


def submit_after(stack, label: str) -> tuple[str, requests.Response]:  # type: ignore[no-untyped-def]
    """An inquiry submitted behind the poison: its applicant's address and the answer."""
    applicant = f"{label}-{uuid.uuid4().hex[:8]}@example.se"
    submitted = requests.post(
        f"{stack.url('intake')}/api/v1/inquiries", json={**INQUIRY, "email": applicant}, timeout=10
    )
    assert submitted.status_code == 201, submitted.text
    return applicant, submitted


def test_a_carriage_return_in_a_providers_name_does_not_halt_notify(stack, infra):
    provider = f"provider-{uuid.uuid4().hex[:8]}@example.se"
    poison = golden_example("vouchers.provider_chosen")
    poison["event_id"] = str(uuid.uuid4())
    poison["data"].update(provider_name="Omsorg AB\rBcc: victim@example.se", provider_email=provider)
    topic = stack.extra_env["KAFKA_TOPIC_PREFIX"] + "vouchers.voucher.v1"
    put_on_topics(infra, [(topic, poison["stream_id"].encode(), json.dumps(poison).encode())])

    applicant, _ = submit_after(stack, "after-poison")
    [receipt] = wait_for(lambda: mails_to(infra.mail_url, applicant), 60, "the receipt behind the poison")
    assert receipt["subject"].startswith("Kvitto")
    [poisoned] = wait_for(lambda: mails_to(infra.mail_url, provider), 30, "the provider's mail")
    assert "\r" not in poisoned["subject"] and "bcc" not in poisoned["header_names"]


@pytest.mark.parametrize("field", ["contact_name", "company"])
def test_line_breaks_with_links_in_contact_name_or_company_are_refused_at_the_field(stack, infra, field):
    applicant = f"links-{uuid.uuid4().hex[:8]}@example.se"
    refused = requests.post(
        f"{stack.url('intake')}/api/v1/inquiries",
        json={**INQUIRY, "email": applicant, field: LINKS},
        headers={"Accept-Language": "en"},
        timeout=10,
    )
    assert refused.status_code == 422, refused.text
    assert list(refused.json()["errors"]["json"]) == [field]
    assert mails_to(infra.mail_url, applicant) == []


def hostile_messages(topic: str) -> dict[str, bytes]:
    """What no producer should ever send, as bytes on a topic."""
    violating = golden_example(TOPIC_EVENT[topic])
    violating.update(event_id=str(uuid.uuid4()), data={"case_id": 5, "note": "x" * 100_000})
    return {
        "broken bytes": b"\xff\xfe{" + uuid.uuid4().bytes,
        "an empty object": json.dumps({"nonce": str(uuid.uuid4())}).encode(),
        "a JSON array": json.dumps([str(uuid.uuid4())]).encode(),
        "control characters": json.dumps({"type": "\r\n\x00", "event_id": str(uuid.uuid4())}).encode(),
        "a contract violation of 100 kB": json.dumps(violating).encode(),
    }


TOPIC_EVENT = {
    "intake.inquiry.v1": "intake.inquiry_submitted",
    "intake.signin.v1": "intake.sign_in_link_requested",
    "business_desk.case.v1": "business_desk.case_opened",
    "vouchers.voucher.v1": "vouchers.provider_chosen",
    "vouchers.provider.v1": "vouchers.provider_applied",
    "vouchers.payment.v1": "vouchers.payment_made",
}


def consumed_topics() -> dict[str, list[str]]:
    """topic -> the services whose consumer reads it."""
    from business_desk.service import SERVICE as desk
    from intake.service import TOPICS as intake
    from notify.service import SERVICE as notify

    readers: dict[str, list[str]] = {}
    for service, topics in (
        ("intake", intake),
        ("business_desk", desk.consumes.topics),
        ("notify", notify.consumes.topics),
    ):
        for topic in topics:
            readers.setdefault(topic, []).append(service)
    return readers


def dead_letters(bootstrap: str, topics: list[str]) -> list[dict]:
    from kafka import KafkaConsumer

    reader = KafkaConsumer(
        *topics, bootstrap_servers=bootstrap, auto_offset_reset="earliest", consumer_timeout_ms=3000
    )
    try:
        return [json.loads(record.value) for record in reader]
    finally:
        reader.close()


def test_hostile_messages_on_every_consumed_topic_are_dead_lettered_and_every_consumer_goes_on(
    stack, infra, tokens
):
    prefix = stack.extra_env["KAFKA_TOPIC_PREFIX"]
    readers = consumed_topics()
    assert set(readers) == set(TOPIC_EVENT), "a consumed topic without a hostile message"
    sent = {(topic, what): raw for topic in readers for what, raw in hostile_messages(topic).items()}
    put_on_topics(infra, [(prefix + topic, b"poison", raw) for (topic, _), raw in sent.items()])

    # A journey through all three consumers, after the poison on their topics.
    applicant, submitted = submit_after(stack, "after-hostile")
    reference = submitted.json()["reference"]
    auth = tokens.header("case_handler", "business_desk")
    wait_for(lambda: case_by_reference(stack, reference, auth), 60, "business_desk's consumer opens the case")
    wait_for(lambda: mails_to(infra.mail_url, applicant), 60, "notify's consumer sends the receipt")
    tracking = submitted.json()["tracking_url"].rsplit("/", 1)[1]
    view_url = f"{stack.url('intake')}/api/v1/inquiries/track/{tracking}"
    wait_for(
        lambda: first_match(
            lambda: requests.get(view_url, timeout=5).json(),
            lambda view: view.get("status") == "registered",
        ),
        60,
        "intake's consumer records that the case was opened",
    )

    # Every hostile message lies on its dead-letter topic, once per consumer that read
    # it, with a reason; none was dropped in silence.
    letters = dead_letters(infra.kafka_bootstrap, [f"{prefix}{topic}.dlq" for topic in readers])
    for (topic, what), raw in sent.items():
        original = raw.decode("utf-8", errors="replace")[:256_000]
        found = [letter for letter in letters if letter["original"] == original]
        consumers = sorted(letter["consumer"] for letter in found)
        assert consumers == sorted(prefix + service for service in readers[topic]), (topic, what, consumers)
        assert all(letter["reason"] for letter in found), (topic, what)
