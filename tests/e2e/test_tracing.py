"""One trace from the HTTP request through the store, the relay, Kafka and the consumers,
exported by every process with OTLP to a receiver the test runs."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator

import pytest
import requests

from devstack.stack import Stack
from tests.e2e.conftest import own_stack, wait_for
from tests.e2e.otlp_sink import OtlpSink

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def sink() -> Iterator[OtlpSink]:
    receiver = OtlpSink().start()
    yield receiver
    receiver.stop()


@pytest.fixture(scope="module")
def traced_stack(infra, sink, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tracing = {"OTEL_EXPORTER_OTLP_ENDPOINT": sink.endpoint, "OTEL_BSP_SCHEDULE_DELAY": "100"}
    yield from own_stack(infra, tmp_path_factory, tracing)


def test_a_submission_is_one_trace_across_every_process(traced_stack, sink):
    trace_id, parent_id = secrets.token_hex(16), secrets.token_hex(8)
    response = requests.post(
        f"{traced_stack.url('intake')}/api/v1/inquiries",
        json={
            "organisation_number": "556703-7485",
            "company": "Spårbar AB",
            "contact_name": "Tora Spår",
            "email": f"tora-{uuid.uuid4().hex[:8]}@example.se",
            "phone": "070-111 22 33",
            "case_type": "outdoor_seating",
            "description": "Uteservering på torget.",
            "language": "sv",
        },
        headers={"traceparent": f"00-{trace_id}-{parent_id}-01"},
        timeout=10,
    )
    assert response.status_code == 201, response.text

    expected = {
        ("intake", "POST /api/v1/inquiries"),
        ("intake-relay", "relay publish"),
        ("business_desk-consumer", "consume intake.inquiry_submitted"),
        ("notify-consumer", "consume intake.inquiry_submitted"),
    }

    def seen() -> set[tuple[str, str]]:
        return {(s["service"], s["name"]) for s in sink.trace(trace_id)}

    wait_for(lambda: expected <= seen(), 20, f"spans {sorted(expected - seen())}")
    spans = sink.trace(trace_id)
    [http] = [s for s in spans if s["service"] == "intake" and s["name"].startswith("POST")]
    assert http["parent_id"] == parent_id  # the caller's trace is continued
    # The store writes of the request are inside the request's span.
    assert any(s["service"] == "intake" and s["parent_id"] == http["span_id"] for s in spans)
    for service, name in expected - {("intake", "POST /api/v1/inquiries")}:
        [span] = [s for s in spans if (s["service"], s["name"]) == (service, name)]
        assert span["parent_id"] in {s["span_id"] for s in spans}, (service, name)
