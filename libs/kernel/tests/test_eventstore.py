"""One contract for every event store, run against the in-memory and the MongoDB store."""

from __future__ import annotations

import json
import threading
import time
import uuid

import pytest
from pymongo.errors import DuplicateKeyError, OperationFailure

from kernel.eventsourcing.envelope import Envelope, Metadata, NewEvent
from kernel.eventsourcing.eventstore import ConcurrencyError, Upcasters, execute
from kernel.eventsourcing.memory_store import InMemoryEventStore
from kernel.eventsourcing.mongo_store import MongoEventStore


def events(*types: str) -> list[NewEvent]:
    return [NewEvent(t, {"n": i}) for i, t in enumerate(types)]


class EventStoreContract:
    """Subclasses provide `make_store(upcasters=None, hooks=())`."""

    def make_store(self, upcasters=None, hooks=()):  # pragma: no cover - abstract
        raise NotImplementedError

    def test_append_and_load_a_stream_in_order(self):
        store = self.make_store()
        store.append("case-1", 0, events("t.a", "t.b"), Metadata.new())
        store.append("case-1", 2, events("t.c"), Metadata.new())
        loaded = store.load("case-1")
        assert [e.type for e in loaded] == ["t.a", "t.b", "t.c"]
        assert [e.version for e in loaded] == [1, 2, 3]
        assert store.load("case-2") == []

    def test_a_stale_expected_version_is_a_conflict_and_stores_nothing(self):
        store = self.make_store()
        store.append("case-1", 0, events("t.a"), Metadata.new())
        with pytest.raises(ConcurrencyError):
            store.append("case-1", 0, events("t.b"), Metadata.new())
        with pytest.raises(ConcurrencyError):
            store.append("case-1", 5, events("t.b"), Metadata.new())
        assert [e.type for e in store.load("case-1")] == ["t.a"]

    def test_positions_give_a_total_order_across_streams(self):
        store = self.make_store()
        store.append("a-1", 0, events("t.1"), Metadata.new())
        store.append("b-1", 0, events("t.2", "t.3"), Metadata.new())
        store.append("a-1", 1, events("t.4"), Metadata.new())
        batch = store.read_after(0)
        assert [e.type for _, e in batch] == ["t.1", "t.2", "t.3", "t.4"]
        positions = [p for p, _ in batch]
        assert positions == sorted(positions) and len(set(positions)) == 4
        assert [e.type for _, e in store.read_after(positions[1])] == ["t.3", "t.4"]
        assert [e.type for e in store.read_all(batch_size=3)] == ["t.1", "t.2", "t.3", "t.4"]

    def test_metadata_is_stored_with_the_event(self):
        store = self.make_store()
        meta = Metadata(correlation_id="corr", causation_id="cause", traceparent=None)
        [stored] = store.append("a-1", 0, events("t.1"), meta)
        [loaded] = store.load("a-1")
        assert loaded == stored
        assert (loaded.correlation_id, loaded.causation_id) == ("corr", "cause")

    def test_upcasters_turn_old_versions_into_the_current_one_on_read(self):
        upcasters = Upcasters()
        upcasters.register("t.renamed", 1, lambda d: {"full_name": d.pop("name")})
        store = self.make_store(upcasters=upcasters)
        store.append("a-1", 0, [NewEvent("t.renamed", {"name": "Anna"}, schema_version=1)], Metadata.new())
        [loaded] = store.load("a-1")
        assert loaded.schema_version == 2 and loaded.data == {"full_name": "Anna"}

    def test_erasing_a_subject_takes_clear_values_out_of_its_old_events_as_stored(self):
        upcasters = Upcasters()
        upcasters.register(
            "t.closed",
            1,
            lambda d: {"legacy_reason": d.pop("reason")},
            redact=lambda d: {**d, "reason": None},
        )
        store = self.make_store(upcasters=upcasters)
        old = [NewEvent("t.closed", {"reason": "Anna Berg is ill"}, schema_version=1)]
        store.append("case-1", 0, old, Metadata.new())
        store.append("case-2", 0, list(old), Metadata.new())
        assert store.load("case-1")[0].data == {"legacy_reason": "Anna Berg is ill"}  # until erasure

        store.append("case-1", 1, [NewEvent("t.personal_data_erased", {})], Metadata.new())
        closed, erased = store.load("case-1")
        assert closed.schema_version == 2 and closed.data == {"legacy_reason": None}
        assert erased.type == "t.personal_data_erased"
        stored = [e for _, e in store.read_after(0)]
        assert "Anna Berg" not in repr([e.data for e in stored if e.stream_id == "case-1"])
        assert store.load("case-2")[0].data == {"legacy_reason": "Anna Berg is ill"}  # another subject

    def test_hooks_see_every_appended_event(self):
        seen: list[Envelope] = []
        store = self.make_store(hooks=[lambda evts, session: seen.extend(evts)])
        store.append("a-1", 0, events("t.1", "t.2"), Metadata.new())
        assert [e.type for e in seen] == ["t.1", "t.2"]

    def test_execute_retries_when_another_writer_got_there_first(self):
        store = self.make_store()
        store.append("a-1", 0, events("t.0"), Metadata.new())
        raced = []

        def decide(history):
            if not raced:  # a concurrent writer appends between our read and our write
                raced.append(True)
                store.append("a-1", len(history), events("t.other"), Metadata.new())
            return [NewEvent("t.mine", {"seen": len(history)})]

        execute(store, "a-1", decide, Metadata.new())
        loaded = store.load("a-1")
        assert [e.type for e in loaded] == ["t.0", "t.other", "t.mine"]
        assert loaded[-1].data == {"seen": 2}

    def test_concurrent_writers_never_share_a_version_or_lose_an_event(self):
        store = self.make_store()
        errors: list[Exception] = []

        def writer(n: int) -> None:
            try:
                for _ in range(5):
                    execute(
                        store,
                        "hot-1",
                        lambda h: [NewEvent("t.w", {"writer": n})],
                        Metadata.new(),
                        attempts=50,
                    )
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        loaded = store.load("hot-1")
        assert [e.version for e in loaded] == list(range(1, 21))
        positions = [p for p, _ in store.read_after(0, 100)]
        assert positions == sorted(positions) and len(positions) == 20

    def test_settled_reads_cover_every_event_once_in_order(self):
        store = self.make_store()
        for n in range(7):
            store.append(f"s-{n % 3}", n // 3, events(f"t.{n}"), Metadata.new())
        seen, position = [], 0
        while True:
            batch, settled = store.read_settled_after(position, limit=3)
            if settled == position:
                break
            seen.extend(e.type for _, e in batch)
            position = settled
        assert seen == [f"t.{n}" for n in range(7)]


class TestInMemoryEventStore(EventStoreContract):
    def make_store(self, upcasters=None, hooks=()):
        return InMemoryEventStore(upcasters=upcasters, hooks=hooks)


@pytest.mark.integration
class TestMongoEventStore(EventStoreContract):
    @pytest.fixture(autouse=True)
    def _database(self, mongo):
        self.db = mongo[f"store_{uuid.uuid4().hex[:8]}"]

    def make_store(self, upcasters=None, hooks=()):
        store = MongoEventStore(self.db, upcasters=upcasters, hooks=hooks)
        store.ensure_schema()
        return store

    def test_a_failing_hook_rolls_the_append_back(self):
        def failing(evts, session):
            raise RuntimeError("projection failed")

        store = self.make_store(hooks=[failing])
        with pytest.raises(RuntimeError):
            store.append("a-1", 0, events("t.1"), Metadata.new())
        assert store.load("a-1") == []
        assert store.read_after(0) == []
        # the position the failed append drew is closed at once, not left as a hole
        store2 = self.make_store()
        store2.append("a-2", 0, events("t.2"), Metadata.new())
        batch, settled = store2.read_settled_after(0)
        assert [e.type for _, e in batch] == ["t.2"] and settled == 2

    def test_erasure_rewrites_the_stored_documents_in_its_own_transaction(self):
        upcasters = Upcasters()
        upcasters.register("t.closed", 1, lambda d: d, redact=lambda d: {**d, "reason": None})
        store = self.make_store(upcasters=upcasters)
        closed = NewEvent("t.closed", {"reason": "sjuk"}, schema_version=1)
        store.append("case-1", 0, [closed], Metadata.new())

        def failing(evts, session):
            raise RuntimeError("the erasure's effects failed")

        failing_store = MongoEventStore(self.db, upcasters=upcasters, hooks=[failing])
        with pytest.raises(RuntimeError):
            failing_store.append("case-1", 1, [NewEvent("t.personal_data_erased", {})], Metadata.new())
        assert self.db["events"].find_one({"stream_id": "case-1"})["data"]["reason"] == "sjuk"  # rolled back
        store.append("case-1", 1, [NewEvent("t.personal_data_erased", {})], Metadata.new())
        assert self.db["events"].find_one({"stream_id": "case-1", "version": 1})["data"] == {"reason": None}

    def test_a_stored_event_that_cannot_be_read_back_is_dead_lettered_and_the_relay_goes_on(self):
        from kernel.eventsourcing.publishers import InMemoryPublisher
        from kernel.eventsourcing.relay import InMemoryCheckpoints, OutboxRelay

        store = self.make_store()
        store.append("inquiry-1", 0, events("intake.a"), Metadata.new())
        store.append("inquiry-2", 0, events("intake.b"), Metadata.new())
        store.append("inquiry-3", 0, events("intake.c"), Metadata.new())
        # written by an older release, a hand edit or a restore gone wrong
        self.db["events"].update_one({"position": 2}, {"$unset": {"occurred_at": ""}, "$set": {"data": 7}})
        publisher = InMemoryPublisher()
        relay = OutboxRelay("intake", store, publisher, InMemoryCheckpoints(), lambda e: "intake.inquiry.v1")
        assert relay.run_once() == 3
        topics = [topic for topic, _, _ in publisher.messages]
        assert topics == ["intake.inquiry.v1", "intake.dlq", "intake.inquiry.v1"]
        letter = json.loads(publisher.messages[1][2])
        assert letter["reason"].startswith("undecodable stored event") and letter["position"] == 2
        assert json.loads(letter["original"])["stream_id"] == "inquiry-2"
        assert relay.run_once() == 0  # not published again

    def test_a_hole_holds_the_relay_back_until_it_times_out_then_is_closed(self):
        store = MongoEventStore(self.db, gap_timeout_s=0.3)
        store.ensure_schema()
        store.append("a-1", 0, events("t.1"), Metadata.new())
        store._reserve(1)  # an append that drew position 2 and died before committing
        store.append("a-2", 0, events("t.3"), Metadata.new())
        batch, settled = store.read_settled_after(0)
        assert [e.type for _, e in batch] == ["t.1"] and settled == 1
        batch, settled = store.read_settled_after(settled)
        assert batch == [] and settled == 1
        time.sleep(0.35)
        store.read_settled_after(1)  # closes the hole
        batch, settled = store.read_settled_after(1)
        assert [e.type for _, e in batch] == ["t.3"] and settled == 3
        assert [e.type for e in store.read_all()] == ["t.1", "t.3"]

    def test_an_append_still_open_when_its_hole_is_closed_is_not_lost(self):
        store = MongoEventStore(self.db, gap_timeout_s=0.0)
        store.ensure_schema()
        session = self.db.client.start_session()
        session.start_transaction()
        store.append("slow-1", 0, events("t.slow"), Metadata.new(), session=session)
        store.append("fast-1", 0, events("t.fast"), Metadata.new())
        # The relay sees the hole and tries to close it while the transaction is open:
        # the store makes it wait for the transaction (or reports a write conflict).
        relay_read = threading.Thread(target=store.read_settled_after, args=(0,))
        relay_read.start()
        time.sleep(0.3)
        try:
            session.commit_transaction()
            committed = True
        except (OperationFailure, DuplicateKeyError):
            committed = False
        finally:
            session.end_session()
        relay_read.join(timeout=30)
        assert not relay_read.is_alive()
        if not committed:  # the writer retries, as the consumer loop and execute() do
            store.append("slow-1", 0, events("t.slow"), Metadata.new())
        seen, position = [], 0
        for _ in range(5):
            batch, position = store.read_settled_after(position)
            seen.extend(e.type for _, e in batch)
        assert sorted(seen) == ["t.fast", "t.slow"]
        assert [e.type for e in store.load("slow-1")] == ["t.slow"]
