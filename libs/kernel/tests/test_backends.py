"""The inbox and the relay's checkpoints keep the same promises in memory (the unit tests'
fakes) and on the store: one set of tests run against each backend."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kernel.eventsourcing.inbox import InMemoryInbox, MongoInbox
from kernel.eventsourcing.relay import InMemoryCheckpoints, MongoCheckpoints

BACKENDS = ["memory", pytest.param("store", marks=pytest.mark.integration)]


@pytest.fixture(params=BACKENDS)
def db_or_none(request: pytest.FixtureRequest) -> Iterator:
    if request.param == "memory":
        yield None
        return
    mongo, unique = request.getfixturevalue("mongo"), request.getfixturevalue("unique")
    yield mongo[f"backends_{unique}"]
    mongo.drop_database(f"backends_{unique}")


@pytest.fixture
def inbox(db_or_none):  # type: ignore[no-untyped-def]
    return InMemoryInbox() if db_or_none is None else MongoInbox(db_or_none, "test")


@pytest.fixture
def checkpoints(db_or_none):  # type: ignore[no-untyped-def]
    return InMemoryCheckpoints() if db_or_none is None else MongoCheckpoints(db_or_none)


def test_an_event_takes_effect_once(inbox):
    effects: list[str] = []
    assert inbox.process_once("e1", lambda _session: effects.append("e1"))
    assert not inbox.process_once("e1", lambda _session: effects.append("e1 again"))
    assert effects == ["e1"]


def test_a_batch_runs_each_new_event_once_and_skips_those_seen(inbox):
    effects: list[str] = []
    inbox.process_once("e1", lambda _session: None)
    items = [(e, lambda _session, e=e: effects.append(e)) for e in ("e1", "e2", "e3", "e2")]
    assert inbox.process_all(items) == 2
    assert effects == ["e2", "e3"]
    assert inbox.process_all(items) == 0


def test_a_batch_with_a_failing_effect_is_recorded_not_at_all(inbox):
    def fails(_session) -> None:  # type: ignore[no-untyped-def]
        raise RuntimeError("the handler failed")

    with pytest.raises(RuntimeError):
        inbox.process_all([("e1", lambda _session: None), ("e2", fails)])
    assert inbox.process_all([("e1", lambda _session: None), ("e2", lambda _session: None)]) == 2


def test_an_effect_that_fails_alone_leaves_its_event_to_be_retried(inbox):
    with pytest.raises(RuntimeError):
        inbox.process_once("e1", lambda _session: (_ for _ in ()).throw(RuntimeError("failed")))
    assert inbox.process_once("e1", lambda _session: None)


def test_a_relay_starts_at_zero_and_its_position_only_grows_when_saved(checkpoints):
    assert checkpoints.load("relay") == 0
    checkpoints.save("relay", 10)
    checkpoints.save("relay", 7)  # a late save never moves it back
    assert checkpoints.load("relay") == 10
    assert checkpoints.load("another") == 0


def test_a_rewind_only_moves_back(checkpoints):
    checkpoints.save("relay", 10)
    checkpoints.rewind("relay", 4)
    checkpoints.rewind("relay", 8)
    assert checkpoints.load("relay") == 4
    checkpoints.rewind("fresh", 3)
    assert checkpoints.load("fresh") == 3
