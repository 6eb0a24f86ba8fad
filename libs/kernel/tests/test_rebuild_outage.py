"""A rebuild that meets a store outage ends at once with a message that says so, instead
of pymongo's with_transaction retrying its chunk for two minutes, deaf to a stop."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator, Mapping

import pytest
from pymongo import MongoClient
from pymongo.client_session import ClientSession
from pymongo.collection import Collection
from pymongo.errors import ConnectionFailure

from devstack.ports import free_port
from kernel.eventsourcing.rebuild import Doc, rebuild_model, run_cli
from kernel.platform.settings import Settings

PROMPTLY_S = 5.0  # a server selection (0.2 s here) per try, not with_transaction's 120 s


class KnownKeys:
    """A read model whose keys were listed before the store went away: the chunk's
    transaction is the first thing to meet the outage."""

    name = "known_keys"

    def __init__(self, collection: Collection) -> None:
        self.collection = collection

    def keys(self) -> list[str]:
        return ["a", "b", "c"]

    def rebuilt(self, keys: list[str], live: Mapping[str, Doc], session: ClientSession) -> dict[str, Doc]:
        return {key: {"_id": key} for key in keys}

    def comparable(self, stored: Doc) -> Doc:
        return stored


@pytest.fixture
def store_away() -> Iterator[MongoClient]:
    """A client of a store that does not answer (nothing listens on its port)."""
    client: MongoClient = MongoClient(
        f"mongodb://127.0.0.1:{free_port()}/?directConnection=true", serverSelectionTimeoutMS=200
    )
    yield client
    client.close()


def test_a_chunk_meeting_an_outage_ends_the_rebuild_promptly(store_away):
    started = time.monotonic()
    with pytest.raises(ConnectionFailure):
        rebuild_model(store_away, KnownKeys(store_away["db"]["model"]))
    assert time.monotonic() - started < PROMPTLY_S


def test_the_entrypoint_says_the_store_is_away_and_exits_non_zero(
    store_away, isolated_env, monkeypatch, capsys
):
    monkeypatch.setattr(sys, "argv", ["python -m svc.rebuild"])

    def rebuild(settings: object, check: bool) -> dict:
        summary = rebuild_model(store_away, KnownKeys(store_away["db"]["model"]), check=check)
        return {"service": "svc", "models": [summary.as_dict()]}

    started = time.monotonic()
    with pytest.raises(SystemExit) as exited:
        run_cli(lambda: Settings.from_env("intake"), rebuild)
    assert time.monotonic() - started < PROMPTLY_S
    message = str(exited.value.code)  # sys.exit(text): printed to stderr, exit status 1
    assert message.startswith("intake rebuild stopped: the store is unreachable (")
    assert "run the rebuild again once it is back" in message
    assert capsys.readouterr().out == ""  # no summary of a rebuild that did not finish
