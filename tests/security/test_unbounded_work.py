"""Finding 2.4 of issue 16: an anonymous client could make the services do unbounded work.
Over HTTP against the real processes (gunicorn, two workers each): a body is refused before
it is read, every service counts every request per address and per signed-in caller in the
shared store, and /metrics is not on the app port."""

from __future__ import annotations

import http.client
import socket
import time
import uuid
from collections.abc import Iterator
from urllib.parse import urlparse

import pytest

from devstack.stack import SERVICES, Stack
from tests.e2e.conftest import own_stack

pytestmark = pytest.mark.e2e

ADDRESS_LIMIT = 40
SUBJECT_LIMIT = 15


@pytest.fixture(scope="module")
def stack(infra, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The system with small limits counted in the store (as deployed), not per worker."""
    limits = {
        "RATELIMIT_STORAGE_URI": "mongodb",
        "RATE_LIMIT_ADDRESS": f"{ADDRESS_LIMIT}/minute",
        "RATE_LIMIT_SUBJECT": f"{SUBJECT_LIMIT}/minute",
        "WEB_CONCURRENCY": "2",
    }
    yield from own_stack(infra, tmp_path_factory, limits)


def declare_a_body(base_url: str, path: str, declared: int, sent: bytes = b"") -> tuple[int, float]:
    """POST with a Content-Length of `declared` bytes, sending only `sent`: a server that
    reads the body before answering waits for the rest (until its timeout); one that
    refuses first answers at once. The status and how long the answer took."""
    url = urlparse(base_url)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {url.hostname}:{url.port}\r\n"
        "Content-Type: multipart/form-data; boundary=xyz\r\n"
        f"Content-Length: {declared}\r\nConnection: close\r\n\r\n"
    )
    started = time.monotonic()
    with socket.create_connection((url.hostname, url.port), timeout=10) as conn:
        conn.sendall(head.encode() + sent)
        answer = conn.recv(65536)
    return int(answer.split()[1]), time.monotonic() - started


def test_an_unknown_tracking_link_is_refused_before_its_50_mb_body_is_read(stack):
    status, took = declare_a_body(stack.url("intake"), f"/track/{uuid.uuid4().hex}/answer", 50 * 1024 * 1024)
    assert status == 404 and took < 5


@pytest.mark.parametrize(
    ("service", "path"),
    [
        ("intake", "/api/v1/inquiries"),
        ("intake", "/"),
        ("business_desk", "/api/v1/cases/x/notes"),
        ("vouchers", "/api/v1/vouchers"),
        ("notify", "/api/v1/bounces"),
    ],
)
def test_a_body_over_the_routes_limit_is_refused_unread(stack, service, path):
    status, took = declare_a_body(stack.url(service), path, 5 * 1024 * 1024, b"--xyz\r\n")
    assert status == 413 and took < 5


def get(base_url: str, path: str, source: str, headers: dict[str, str] | None = None) -> tuple[int, dict]:
    """GET from the loopback address `source` (127.0.0.0/8 is all this machine): each test
    is its own client address."""
    url = urlparse(base_url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10, source_address=(source, 0))
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        response.read()
        return response.status, dict(response.getheaders())
    finally:
        conn.close()


def test_metrics_are_not_served_on_the_app_port(stack):
    for service in SERVICES:
        assert get(stack.url(service), "/metrics", "127.0.0.5")[0] == 404, service


def test_every_service_counts_each_address_across_its_workers(stack):
    for n, service in enumerate(SERVICES):
        source = f"127.0.1.{n + 1}"
        # a new connection per request: they land on either worker
        statuses = [get(stack.url(service), "/api/openapi.json", source)[0] for _ in range(ADDRESS_LIMIT + 1)]
        assert statuses[:ADDRESS_LIMIT] == [200] * ADDRESS_LIMIT, service
        assert statuses[-1] == 429, service  # counted per worker, it would have been let through
        status, headers = get(stack.url(service), "/api/openapi.json", source)
        assert status == 429 and int(headers["Retry-After"]) > 0, service
        if service != "notify":  # the one without pages
            assert get(stack.url(service), "/", source, {"Accept": "text/html"})[0] == 429, service
        assert get(stack.url(service), "/readyz", source)[0] == 200, service  # the probes stay open
        assert get(stack.url(service), "/api/openapi.json", "127.0.2.1")[0] == 200, service


@pytest.mark.parametrize(
    ("service", "path"), [("business_desk", "/api/v1/figures"), ("notify", "/api/v1/notifications")]
)
def test_a_signed_in_caller_is_counted_across_addresses(stack, tokens, service, path):
    manager = {"Authorization": f"Bearer {tokens.get('manager', service)}"}
    base = stack.url(service)
    statuses = [get(base, path, f"127.0.3.{n + 1}", manager)[0] for n in range(SUBJECT_LIMIT + 1)]
    assert statuses == [200] * SUBJECT_LIMIT + [429]
    handler = {"Authorization": f"Bearer {tokens.get('team_lead', service)}"}
    assert get(base, path, "127.0.3.1", handler)[0] == 200  # another person has their own allowance
