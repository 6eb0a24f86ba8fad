"""One trace from the HTTP request through the store, the relay, Kafka and the consumers,
exported by every process with OTLP to a receiver the test runs."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator

import pytest

from devstack.stack import Stack
from tests.e2e.conftest import own_stack, post_inquiry, tracing_to, wait_for

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def traced_stack(infra, sink, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    yield from own_stack(infra, tmp_path_factory, tracing_to(sink))


def test_a_submission_is_one_trace_across_every_process(traced_stack, sink):
    trace_id, parent_id = secrets.token_hex(16), secrets.token_hex(8)
    post_inquiry(
        traced_stack.url("intake"),
        headers={"traceparent": f"00-{trace_id}-{parent_id}-01"},
        company="Spårbar AB",
        contact_name="Tora Spår",
        email=f"tora-{uuid.uuid4().hex[:8]}@example.se",
        case_type="outdoor_seating",
        description="Uteservering på torget.",
    )

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
