from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator

import pytest
import requests

from devstack.stack import Stack


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
