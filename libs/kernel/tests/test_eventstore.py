"""One contract for every event store, run against the in-memory and the MongoDB store."""

from __future__ import annotations

import threading
import uuid

import pytest
from kernel.envelope import Envelope, Metadata, NewEvent
from kernel.eventstore import ConcurrencyError, InMemoryEventStore, MongoEventStore, Upcasters, execute


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
