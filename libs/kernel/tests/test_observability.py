"""Metrics and structured logs (no servers: a Flask app, a fake consumer, a log record)."""

from __future__ import annotations

import io
import json
import logging

from flask import Flask
from opentelemetry.sdk.trace import TracerProvider

from kernel.platform import logs
from kernel.platform.metrics import CONSUMER_LAG, FunctionCollector, init_metrics, record_lag


def test_every_request_is_counted_and_timed_by_its_route_and_metrics_are_served_on_the_metrics_port_only(
    monkeypatch,
):
    import urllib.request

    monkeypatch.setenv("METRICS_PORT", "0")  # any free port
    monkeypatch.setenv("METRICS_ADDR", "127.0.0.1")
    app = Flask("t")

    @app.get("/things/<thing_id>")
    def thing(thing_id: str):  # type: ignore[no-untyped-def]
        return {"id": thing_id}

    figures = FunctionCollector(lambda: {"things_open": ("Open things", {(("kind", "a"),): 3.0})})
    port = init_metrics(app, "svc", [figures])
    client = app.test_client()
    client.get("/things/1")
    client.get("/things/2")
    client.get("/nowhere")
    assert client.get("/metrics").status_code == 404  # not on the app port
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics").read().decode()
    assert (
        'http_requests_total{method="GET",route="/things/<thing_id>",service="svc",status="200"} 2.0' in text
    )
    assert 'route="unmatched",service="svc",status="404"' in text
    assert "http_request_duration_seconds_bucket" in text
    assert 'things_open{kind="a"} 3.0' in text


def test_the_figures_are_queried_once_per_interval_however_often_scraped(monkeypatch):
    from kernel.platform.metrics import CachedCollector, exposition

    monkeypatch.setenv("METRICS_CACHE_S", "30")
    now = {"t": 0.0}
    calls = []

    def read() -> dict:
        calls.append(now["t"])
        if now["t"] == 90.0:
            raise ConnectionError("the store is away")
        return {"things_open": ("Open things", {(("kind", "a"),): float(len(calls))})}

    app = Flask("t")
    init_metrics(app, "svc", [])
    registry = app.extensions["kernel.metrics_registry"]
    registry.register(CachedCollector(FunctionCollector(read), 30, clock=lambda: now["t"]))
    texts = []
    for t in (0.0, 1.0, 29.0, 30.0, 31.0, 90.0, 91.0):
        now["t"] = t
        texts.append(exposition([registry]).decode())
    assert calls == [0.0, 30.0, 90.0, 91.0]  # a failed round is retried at the next scrape
    assert 'things_open{kind="a"} 1.0' in texts[2] and 'things_open{kind="a"} 2.0' in texts[4]
    assert "things_open" not in texts[5] and 'things_open{kind="a"} 4.0' in texts[6]


class FakeConsumer:
    def __init__(self) -> None:
        from kafka import TopicPartition

        self.tp = TopicPartition("intake.inquiry.v1", 0)

    def assignment(self):  # type: ignore[no-untyped-def]
        return {self.tp}

    def end_offsets(self, partitions):  # type: ignore[no-untyped-def]
        return {self.tp: 120}

    def position(self, tp):  # type: ignore[no-untyped-def]
        return 100


def test_consumer_lag_is_the_end_offset_minus_the_position():
    record_lag(FakeConsumer(), "business_desk")
    assert CONSUMER_LAG.labels("business_desk", "intake.inquiry.v1", "0")._value.get() == 20


def test_log_lines_are_json_with_the_service_trace_id_and_reference(monkeypatch):
    monkeypatch.setenv("LOG_FORMAT", "json")
    handler = logs.handler_for("intake-consumer")
    stream = io.StringIO()
    handler.setStream(stream)
    logger = logging.getLogger("test.observability")
    logger.handlers[:] = [handler]
    logger.propagate = False
    tracer = TracerProvider().get_tracer("t")
    with tracer.start_as_current_span("work") as span, logs.about("BUS-2026-7KQ29X"):
        logger.warning("handled %s", "it")
        trace_id = format(span.get_span_context().trace_id, "032x")
    line = json.loads(stream.getvalue().splitlines()[-1])
    assert line["message"] == "handled it" and line["level"] == "WARNING"
    assert line["service"] == "intake-consumer" and line["reference"] == "BUS-2026-7KQ29X"
    assert line["trace_id"] == trace_id


def test_workers_serve_metrics_health_and_readiness_on_metrics_port(monkeypatch):
    import urllib.error
    import urllib.request

    from kernel.platform.metrics import serve_process_metrics

    monkeypatch.setenv("METRICS_PORT", "0")  # any free port
    monkeypatch.setenv("METRICS_ADDR", "127.0.0.1")
    state = {"broker": True}

    def broker() -> None:
        if not state["broker"]:
            raise ConnectionError("down")

    port = serve_process_metrics({"kafka": broker})
    base = f"http://127.0.0.1:{port}"
    assert b"consumer_lag" in urllib.request.urlopen(f"{base}/metrics").read()
    assert urllib.request.urlopen(f"{base}/healthz").status == 200
    assert json.loads(urllib.request.urlopen(f"{base}/readyz").read())["status"] == "ready"
    state["broker"] = False
    try:
        urllib.request.urlopen(f"{base}/readyz")
        raise AssertionError("expected 503")
    except urllib.error.HTTPError as exc:
        assert exc.code == 503 and json.loads(exc.read())["checks"]["kafka"].startswith("failing")
