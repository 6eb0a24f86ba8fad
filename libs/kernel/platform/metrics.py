"""Prometheus metrics, served on METRICS_PORT only, never on the app port the public reaches:
web processes (requests, errors, latency, and what their service adds: outbox backlog,
business figures; each gunicorn worker binds the port with SO_REUSEPORT), consumers and
relays (consumer lag per partition, dead letters, relay progress). The figures that take
store queries are computed at most once per METRICS_CACHE_S (default 15 s) per process,
however often anyone scrapes."""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from flask import Flask, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from pymongo.database import Database

from kernel.platform.dependencies import readiness

log = logging.getLogger(__name__)

REQUESTS = Counter("http_requests_total", "HTTP requests", ["service", "method", "route", "status"])
LATENCY = Histogram(
    "http_request_duration_seconds",
    "HTTP request latency",
    ["service", "method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1.0, 2.5, 5.0, 10.0),
)
DEAD_LETTERS = Counter(
    "consumer_dead_letters_total", "Messages sent to a dead-letter topic", ["consumer", "topic"]
)
CONSUMER_LAG = Gauge("consumer_lag", "Messages not yet consumed", ["consumer", "topic", "partition"])
RELAY_PUBLISHED = Counter("relay_published_total", "Events published by an outbox relay", ["relay"])
RELAY_TAIL_LOST = Counter(
    "relay_broker_tail_lost_total",
    "Times the broker was found to have lost messages it had acknowledged (they are published again)",
    ["relay"],
)
JOB_ROUNDS = Counter(
    "job_rounds_total", "Rounds of a periodic job, by outcome (done, failed)", ["job", "outcome"]
)


def init_metrics(app: Flask, service: str, collectors: Iterable[Collector] = ()) -> int | None:
    """Count and time every request by its route (not its raw path), and serve them with
    the service's own collectors (cached) on METRICS_PORT. Returns that port."""
    registry = CollectorRegistry(auto_describe=True)
    ttl_s = float(os.environ.get("METRICS_CACHE_S", "15"))
    for collector in collectors:
        registry.register(CachedCollector(collector, ttl_s))
    app.extensions["kernel.metrics_registry"] = registry

    @app.before_request
    def start_timer() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    def record(response):  # type: ignore[no-untyped-def]
        route = request.url_rule.rule if request.url_rule else "unmatched"
        REQUESTS.labels(service, request.method, route, str(response.status_code)).inc()
        started = g.get("metrics_started")
        if started is not None:
            LATENCY.labels(service, request.method, route).observe(time.perf_counter() - started)
        return response

    port = serve_process_metrics(registries=[registry], reuse_port=True)
    app.extensions["kernel.metrics_port"] = port
    return port


class CachedCollector(Collector):
    """A collector's last result, kept `ttl_s` seconds: scrapes, however many, cost the
    store one round of queries per interval and process. A failed round is not kept."""

    def __init__(
        self, collector: Collector, ttl_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._collector, self._ttl_s, self._clock = collector, ttl_s, clock
        self._lock = threading.Lock()
        self._families: list[Any] = []
        self._taken_at: float | None = None

    def describe(self) -> Iterable[Any]:
        return []  # described by collecting, lazily: registering must not query the store

    def collect(self) -> Iterable[Any]:
        with self._lock:
            now = self._clock()
            if self._taken_at is None or now - self._taken_at >= self._ttl_s:
                families = list(self._collector.collect())
                if families:
                    self._families, self._taken_at = families, now
                else:  # nothing (the store was away): try again next scrape
                    self._families = []
            return list(self._families)


def serve_process_metrics(
    checks: dict[str, Callable[[], object]] | None = None,
    registries: Iterable[CollectorRegistry] = (),
    reuse_port: bool = False,
) -> int | None:
    """On METRICS_PORT (when set) /metrics (the process's metrics and `registries`'),
    /healthz (the process answers) and /readyz (its store and broker answer: `checks`,
    each raising if not). `reuse_port`: the workers of one gunicorn share the port.
    Returns the port."""
    port = os.environ.get("METRICS_PORT", "").strip()
    if not port:
        return None
    server_class = _ReusePortServer if reuse_port else ThreadingHTTPServer
    server = server_class(
        (os.environ.get("METRICS_ADDR", "0.0.0.0"), int(port)),
        _handler(checks if checks is not None else {}, list(registries)),
    )
    threading.Thread(target=server.serve_forever, daemon=True, name="metrics").start()
    return int(server.server_port)


def exposition(registries: Iterable[CollectorRegistry] = ()) -> bytes:
    """The text a scrape gets: the process's metrics, then each of `registries`'."""
    return generate_latest(REGISTRY) + b"".join(generate_latest(r) for r in registries)


class _ReusePortServer(ThreadingHTTPServer):
    allow_reuse_port = True
    daemon_threads = True


def _handler(
    checks: dict[str, Callable[[], object]], registries: list[CollectorRegistry]
) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.startswith("/metrics"):
                self._send(200, exposition(registries), CONTENT_TYPE_LATEST)
            elif self.path.startswith("/healthz"):
                self._send(200, b'{"status": "ok"}', "application/json")
            elif self.path.startswith("/readyz"):
                body, status = readiness(checks)
                self._send(status, json.dumps(body).encode(), "application/json")
            else:
                self._send(404, b"", "text/plain")

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


class OutboxCollector(Collector):
    """How far the outbox relay is behind: events stored but not yet published, and the
    age of the oldest of them (the relay's checkpoint against the store)."""

    def __init__(
        self, db: Database, relay: str, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self._db, self._relay, self._clock = db, relay, clock

    def collect(self) -> Iterable[GaugeMetricFamily]:
        checkpoint = self._db["relay_checkpoints"].find_one({"_id": self._relay})
        position = int(checkpoint["position"]) if checkpoint else 0
        pending = {"position": {"$gt": position}, "gap": {"$ne": True}}
        backlog = self._db["events"].count_documents(pending)
        oldest = self._db["events"].find_one(pending, {"occurred_at": 1}, sort=[("position", 1)])
        age = 0.0
        if oldest is not None:
            age = max((self._clock() - datetime.fromisoformat(oldest["occurred_at"])).total_seconds(), 0.0)
        yield GaugeMetricFamily("outbox_backlog_events", "Stored events not yet published", value=backlog)
        yield GaugeMetricFamily(
            "outbox_oldest_unpublished_age_seconds", "Age of the oldest event not yet published", value=age
        )


class FunctionCollector(Collector):
    """Gauges computed when scraped: `read()` returns {metric: (help, {labels: value})}."""

    def __init__(
        self, read: Callable[[], dict[str, tuple[str, dict[tuple[tuple[str, str], ...], float]]]]
    ) -> None:
        self._read = read

    def collect(self) -> Iterable[GaugeMetricFamily]:
        try:
            figures = self._read()
        except Exception as exc:  # a scrape must not fail because the store is briefly away
            log.warning("metrics unavailable: %r", exc)
            return
        for name, (help_text, samples) in figures.items():
            label_names = [k for k, _ in next(iter(samples))] if samples else []
            family = GaugeMetricFamily(name, help_text, labels=label_names)
            for labels, value in samples.items():
                family.add_metric([v for _, v in labels], value)
            yield family


def record_lag(consumer: Any, name: str) -> None:
    """Lag per assigned partition: the end offset minus the consumer's position."""
    partitions = list(consumer.assignment())
    if not partitions:
        return
    ends = consumer.end_offsets(partitions)
    for tp in partitions:
        try:
            position = consumer.position(tp)
        except Exception:  # not fetched yet
            continue
        CONSUMER_LAG.labels(name, tp.topic, str(tp.partition)).set(max(ends.get(tp, position) - position, 0))
