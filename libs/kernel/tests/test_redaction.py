"""Credentials are cut out of log lines and spans (no servers: a log record, an
in-memory span exporter)."""

from __future__ import annotations

import io
import logging

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from kernel.platform import logs
from kernel.platform.telemetry import Redacting
from kernel.privacy.redaction import REDACTED, redact

SECRET = "q9Zx-3kT_vLw8NpA2bYc"


@pytest.mark.parametrize(
    "text",
    [
        f'127.0.0.1 - - "GET /track/{SECRET} HTTP/1.1" 200',
        f"https://foretag.kommun.example/track/{SECRET}/answer",
        f"/api/v1/inquiries/track/{SECRET}/replace",
        f"/sign-in/{SECRET}?lang=sv",
        f"Your link: http://127.0.0.1:8001/sign-in/{SECRET}\n",
        f"/auth/callback?code={SECRET}&state=abc",
        f"/anything?lang=sv&token={SECRET}",
        f"/x?reset_token={SECRET}#top",
        f"Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzYXJhIn0.{SECRET}",
    ],
)
def test_a_credential_is_cut_out_wherever_it_stands(text):
    cleaned = redact(text)
    assert SECRET not in cleaned and REDACTED in cleaned


def test_what_is_not_a_credential_is_left_as_it_is():
    for text in (
        "GET /api/v1/cases/by-reference/BUS-2026-7KQ29X",
        "/track/<token>",
        "?lang=sv&next=/my-cases",
    ):
        assert redact(text) == text
    assert redact(f"/track/{SECRET}/decision.pdf") == f"/track/{REDACTED}/decision.pdf"


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_no_log_line_holds_a_credential_in_its_message_arguments_or_traceback(monkeypatch, log_format):
    monkeypatch.setenv("LOG_FORMAT", log_format)
    handler = logs.handler_for("intake")
    stream = io.StringIO()
    handler.setStream(stream)
    logger = logging.getLogger("test.redaction")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.warning("GET /track/%s failed", SECRET)
    try:
        raise ValueError(f"no case for /sign-in/{SECRET}")
    except ValueError:
        logger.exception("while redeeming")
    written = stream.getvalue()
    assert SECRET not in written and written.count(REDACTED) >= 2 and "while redeeming" in written


def test_no_span_leaves_the_process_with_a_credential():
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(Redacting(SimpleSpanProcessor(exporter)))
    tracer = provider.get_tracer("t")
    with tracer.start_as_current_span(
        f"GET /track/{SECRET}", attributes={"http.target": f"/track/{SECRET}", "http.route": "/track/<token>"}
    ) as span:
        span.set_attribute("url.full", f"http://127.0.0.1/sign-in/{SECRET}?lang=sv")
        span.set_attribute("links", [f"/track/{SECRET}", "plain"])
        span.set_attribute("http.status_code", 200)
        span.add_event("exception", {"exception.message": f"bad /track/{SECRET}"})
    [exported] = exporter.get_finished_spans()
    text = repr((exported.name, dict(exported.attributes), [dict(e.attributes) for e in exported.events]))
    assert SECRET not in text
    assert (
        exported.attributes["http.route"] == "/track/<token>"
        and exported.attributes["http.status_code"] == 200
    )
    assert exported.attributes["links"] == (f"/track/{REDACTED}", "plain")
    assert exported.context.span_id == span.get_span_context().span_id  # the same span, redacted
