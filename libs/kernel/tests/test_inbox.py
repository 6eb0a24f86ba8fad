"""The MongoDB inbox: a batch of messages commits whole or not at all."""

import uuid

import pytest

from kernel.eventsourcing.inbox import MongoInbox

pytestmark = pytest.mark.integration


@pytest.fixture
def db(mongo):
    return mongo[f"inbox_{uuid.uuid4().hex[:8]}"]


def writer(db, name):
    return lambda session: db["effects"].insert_one({"name": name}, session=session)


def test_a_batch_commits_every_effect_and_record_together(db):
    inbox = MongoInbox(db, "test")
    assert inbox.process_all([("e-1", writer(db, "one")), ("e-2", writer(db, "two"))]) == 2
    assert inbox.process_all([("e-2", writer(db, "two again")), ("e-3", writer(db, "three"))]) == 1
    assert sorted(d["name"] for d in db["effects"].find()) == ["one", "three", "two"]
    assert not inbox.process_once("e-1", writer(db, "one again"))


def test_a_failing_effect_leaves_the_whole_batch_unprocessed(db):
    inbox = MongoInbox(db, "test")

    def failing(session):
        raise RuntimeError("store busy")

    with pytest.raises(RuntimeError):
        inbox.process_all([("e-1", writer(db, "one")), ("e-2", failing)])
    assert db["effects"].count_documents({}) == 0
    assert inbox.process_once("e-1", writer(db, "one"))
    assert db["effects"].count_documents({}) == 1
