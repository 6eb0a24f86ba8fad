from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator

import pytest
import requests

from conftest import inquiry_form
from devstack.stack import Stack
from tests.e2e.otlp_sink import OtlpSink


def wait_for(fetch: Callable[[], object], timeout_s: float = 20.0, what: str = "condition") -> object:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = fetch()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"{what} not reached within {timeout_s:.0f}s")


def first_match(fetch: Callable[[], object], accept: Callable[[object], bool]) -> object:
    """What `fetch` returns if `accept` likes it, else None (for wait_for)."""
    value = fetch()
    return value if accept(value) else None


def mails_to(mail_url: str, address: str) -> list[dict]:
    return [m for m in requests.get(f"{mail_url}/api/messages", timeout=5).json() if m["to"] == address]


def case_by_reference(stack: Stack, reference: str, auth: dict[str, str]) -> dict | None:
    response = requests.get(
        f"{stack.url('business_desk')}/api/v1/cases/by-reference/{reference}", headers=auth, timeout=5
    )
    return response.json() if response.status_code == 200 else None


def post_inquiry(
    intake_url: str, timeout_s: float = 10, headers: dict[str, str] | None = None, **fields: str
) -> dict:
    """An inquiry (conftest.inquiry_form with `fields`) posted to intake's API: its receipt."""
    response = requests.post(
        f"{intake_url}/api/v1/inquiries", json=inquiry_form(**fields), headers=headers, timeout=timeout_s
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def tracing_to(sink: OtlpSink) -> dict[str, str]:
    """The environment that sends every process's spans to `sink`, batched briefly."""
    return {"OTEL_EXPORTER_OTLP_ENDPOINT": sink.endpoint, "OTEL_BSP_SCHEDULE_DELAY": "100"}


@pytest.fixture(scope="module")
def sink() -> Iterator[OtlpSink]:
    """An OpenTelemetry collector that keeps the spans it receives."""
    receiver = OtlpSink().start()
    yield receiver
    receiver.stop()


def own_stack(
    infra, tmp_path_factory: pytest.TempPathFactory, extra_env: dict[str, str] | None = None, **start
) -> Iterator[Stack]:  # type: ignore[no-untyped-def]
    """Every service process under supervisor, on the session's servers, with its own
    databases and topics (and `extra_env`), stopped after: the body of a stack fixture."""
    prefix = f"e{uuid.uuid4().hex[:6]}"
    running = Stack(
        tmp_path_factory.mktemp("stack"),
        infra=infra,
        owns_infra=False,
        extra_env={
            "MONGODB_DATABASE_PREFIX": f"{prefix}_",
            "KAFKA_TOPIC_PREFIX": f"{prefix}.",
            **(extra_env or {}),
        },
    ).start(**start)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def stack(infra, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    yield from own_stack(infra, tmp_path_factory)
