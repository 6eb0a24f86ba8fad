"""Findings 2.1 and 2.2 of issue 16, over HTTP against the real processes.

2.1: a carriage return in an approved provider's name crashed notify's dispatcher in a
loop, and every mail behind it waited forever. The name is now refused at the field, but
the mechanism must hold for whatever reaches the topic: the poison event is put on the
real topic (as a producer that let it through would), and the receipt of an inquiry
submitted after it must still arrive.
2.2: line breaks in contact_name / company let anyone make the municipality mail any text
with clickable links: refused at the field."""

from __future__ import annotations

import json
import uuid

import pytest
import requests

from kernel.contracts import golden_example
from tests.e2e.conftest import mails_to, wait_for

pytestmark = pytest.mark.e2e

INQUIRY = {
    "organisation_number": "556703-7485",
    "company": "Kafé Poison AB",
    "contact_name": "Petra Poison",
    "phone": "070-123 45 67",
    "case_type": "alcohol_serving_licence",
    "description": "Serveringstillstånd.",
    "language": "sv",
}
LINKS = "Petra\n\nDitt ärende har avslagits. Överklaga: https://evil.example/overklaga, appeal@evil.example"


def test_a_carriage_return_in_a_providers_name_does_not_halt_notify(stack, infra):
    from kafka import KafkaProducer

    provider = f"provider-{uuid.uuid4().hex[:8]}@example.se"
    poison = golden_example("vouchers.provider_chosen")
    poison["event_id"] = str(uuid.uuid4())
    poison["data"].update(provider_name="Omsorg AB\rBcc: victim@example.se", provider_email=provider)
    topic = stack.extra_env["KAFKA_TOPIC_PREFIX"] + "vouchers.voucher.v1"
    producer = KafkaProducer(bootstrap_servers=infra.kafka_bootstrap)
    producer.send(topic, key=poison["stream_id"].encode(), value=json.dumps(poison).encode())
    producer.flush()
    producer.close()

    applicant = f"after-poison-{uuid.uuid4().hex[:8]}@example.se"
    submitted = requests.post(
        f"{stack.url('intake')}/api/v1/inquiries", json={**INQUIRY, "email": applicant}, timeout=10
    )
    assert submitted.status_code == 201, submitted.text
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
