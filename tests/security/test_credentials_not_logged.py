"""Finding 1.4 of issue 16, logs and traces: access logs and traces recorded
`/track/<token>` and `/sign-in/<token>`. Over HTTP against the real processes, with the
access log on and every span exported to a receiver the test runs: a tracking link
(page, API, a wrong one) and a sign-in link (opened, confirmed) leave their tokens in no
log line and no span, while the redacted paths show the requests were recorded."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
import requests

from devstack.stack import Stack
from tests.e2e.conftest import own_stack, tracing_to, wait_for
from tests.security.test_contact_sign_in import sign_in_with_email_link, submit

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def traced_stack(infra, sink, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    logged = {"ACCESS_LOG": "-", "LOG_FORMAT": "json"}  # gunicorn's access log, as deployed
    yield from own_stack(infra, tmp_path_factory, {**tracing_to(sink), **logged}, timeout_s=180)


def test_no_tracking_or_sign_in_token_is_logged_or_traced(traced_stack, infra, sink):
    intake = traced_stack.url("intake")
    address = f"logged-{uuid.uuid4().hex[:8]}@example.se"
    receipt = submit(intake, address, "Loggfri AB")
    tracking = receipt["tracking_url"].rsplit("/", 1)[1]
    wrong = uuid.uuid4().hex + uuid.uuid4().hex
    assert requests.get(f"{intake}/track/{tracking}", timeout=10).status_code == 200
    assert requests.get(f"{intake}/api/v1/inquiries/track/{tracking}", timeout=10).status_code == 200
    assert requests.get(f"{intake}/track/{wrong}?token={wrong}", timeout=10).status_code == 404
    signed_in = sign_in_with_email_link(intake, infra.mail_url, address)
    assert signed_in.get(f"{intake}/my-cases", timeout=10).status_code == 200
    mail = [m for m in requests.get(f"{infra.mail_url}/api/messages", timeout=5).json() if m["to"] == address]
    sign_in_tokens = re.findall(r"/sign-in/([^\s/?]+)", " ".join(m["body"] for m in mail))
    assert sign_in_tokens
    secrets = {tracking, wrong, *sign_in_tokens}

    def every_log() -> str:
        return "\n".join(path.read_text(errors="replace") for path in traced_stack.service_logs())

    def recorded() -> bool:
        text = every_log()
        spans = " ".join(s["name"] + s["attributes"] for s in sink.spans)
        return "/track/[redacted]" in text and "/sign-in/[redacted]" in text and "/track/[redacted]" in spans

    wait_for(recorded, 30, "the requests in the access log and the spans")
    logs = every_log()
    spans = "\n".join(f"{s['service']} {s['name']} {s['attributes']}" for s in sink.spans)
    for secret in secrets:
        assert secret not in logs, [line for line in logs.splitlines() if secret in line][:3]
        assert secret not in spans, [line for line in spans.splitlines() if secret in line][:3]
