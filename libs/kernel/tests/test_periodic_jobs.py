"""The periodic-job entrypoint (kernel.platform.runners.run_periodically) through a store outage:
its setup is retried on the one store client the process made, never on a new one per
attempt, and that client is closed when the job stops."""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator

import pytest
from pymongo import MongoClient
from pymongo.database import Database

from business_desk.settings import DeskSettings
from devstack.ports import free_port
from kernel.eventsourcing.mongo_store import MongoEventStore
from kernel.platform.runners import run_periodically


@pytest.fixture
def signals_restored() -> Iterator[None]:
    """run_periodically installs its own SIGTERM/SIGINT handlers in this (the main) thread."""
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    yield
    for sig, handler in before.items():
        signal.signal(sig, handler)


def test_a_setup_retried_through_a_store_outage_reuses_the_one_client_and_stop_closes_it(
    isolated_env, monkeypatch, signals_restored
):
    # nothing listens there: every setup attempt meets a store that is away
    monkeypatch.setenv("MONGODB_URI", f"mongodb://127.0.0.1:{free_port()}/?directConnection=true")
    monkeypatch.setenv("MONGODB_SERVER_SELECTION_TIMEOUT_MS", "100")
    monkeypatch.delenv("METRICS_PORT", raising=False)
    monkeypatch.setattr(sys, "argv", ["test-job"])
    made: list[MongoClient] = []
    real_init = MongoClient.__init__

    def counted(self: MongoClient, *args: object, **kwargs: object) -> None:
        made.append(self)
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(MongoClient, "__init__", counted)
    attempts: list[Database] = []
    rounds: list[object] = []

    def setup(db: Database) -> MongoEventStore:
        attempts.append(db)
        if len(attempts) == 5:  # retried enough: the operator stops the job
            threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGTERM)).start()
        store = MongoEventStore(db)
        store.ensure_schema()  # fails: the store is away
        return store

    run_periodically("test-job", rounds.append, 3600.0, DeskSettings.from_env(), setup)

    assert len(attempts) >= 5 and rounds == []  # stopped while still waiting for the store
    assert len(made) == 1, f"{len(made)} store clients for {len(attempts)} setup attempts"
    assert all(db.client is made[0] for db in attempts)
    assert made[0]._closed  # its connections and monitor threads are gone
