"""Fixtures shared by every test suite: the embedded servers (started once per test
session, stopped at its end) and per-test isolation by database and topic prefix."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest

from kernel.settings import Settings


@pytest.fixture(scope="session")
def infra(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    from devstack.infra import Infra

    servers = Infra(tmp_path_factory.mktemp("infra"), mongo_in_memory=True).start()
    yield servers
    servers.stop()


@pytest.fixture
def unique() -> str:
    return uuid.uuid4().hex[:8]


@pytest.fixture
def isolated_env(infra, unique: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Environment for one test: its own databases and topics on the shared servers."""
    env = {**infra.env(), "MONGODB_DATABASE_PREFIX": f"t{unique}_", "KAFKA_TOPIC_PREFIX": f"t{unique}."}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


@pytest.fixture
def settings_for(isolated_env: dict[str, str]) -> Callable[[str], Settings]:
    return Settings.from_env


@pytest.fixture
def mongo(infra) -> Iterator:
    from pymongo import MongoClient

    client = MongoClient(infra.mongodb_uri, tz_aware=True)
    yield client
    client.close()
