"""Every consumer fed generated and hostile messages through the real processing path:
the real ConsumerLoop.handle and MessageProcessor, the service's real handlers, the real
embedded store. None may raise out of the loop; each message takes effect, is of no
interest to the consumer, or is dead-lettered with its reason; the message after it is
processed. Messages are events generated from the JSON Schemas in `contracts/` (every
published version of every event type the consumer handles, so the upcasters are fed too;
tests/contract_strategies.py), the contracts' golden examples, either of them with one
value at any depth made hostile (control characters, 100 kB, unicode edge cases, wrong
types) or left out, and broken bytes.

The default run is short (FUZZ_EXAMPLES examples per consumer, 15); set FUZZ_EXAMPLES
higher for a longer run."""

from __future__ import annotations

import copy
import json
import os
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kernel.eventsourcing.consumer import ConsumerLoop
from kernel.eventsourcing.contracts import CONTRACTS_DIR, golden_example
from kernel.eventsourcing.envelope import Envelope
from kernel.eventsourcing.inbox import MongoInbox
from kernel.eventsourcing.processor import MessageProcessor
from kernel.eventsourcing.publishers import InMemoryPublisher
from kernel.platform.connections import mongo_client
from tests.contract_strategies import contract_versions
from tests.contract_strategies import events as contract_events

pytestmark = pytest.mark.integration

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))
SLOW_GENERATION = [
    HealthCheck.too_slow,
    HealthCheck.data_too_large,
    HealthCheck.filter_too_much,
    HealthCheck.large_base_example,
    HealthCheck.function_scoped_fixture,
]
HOSTILE_STRINGS = st.sampled_from(
    [
        "Omsorg AB\rBcc: victim@example.se",
        "line\nbreak",
        "\x00\x01\x1b[2J\x7f\x85",
        "x" * 100_000,
        "\u202eevil\u2066",
        "\u2028\u2029",
        "😀" * 1000,
        "",
        " ",
        "$gt",
        "{{ 7*7 }}",
        "<script>alert(1)</script>",
        "e\u0301" * 50,
        "\ufeff\ufffe",
    ]
)
WRONG_TYPES = st.one_of(
    st.none(),
    st.integers(),
    st.floats(allow_nan=True),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    st.booleans(),
)


def consumers() -> dict[str, tuple[str, Callable]]:
    """consumer -> (service, handlers on db): business_desk's and notify's wired by their
    bootstrap, as their consumers are (kernel.platform.run <service> consumer)."""
    from dataclasses import replace

    from business_desk.bootstrap import bootstrap as desk_bootstrap
    from business_desk.service import consumed_handlers as desk
    from business_desk.settings import DeskSettings
    from intake.bootstrap import bootstrap as intake_bootstrap
    from intake.service import consumed_handlers as intake_handlers
    from intake.settings import IntakeSettings
    from notify.bootstrap import bootstrap as notify_bootstrap
    from notify.handlers import handlers as notify
    from notify.settings import NotifySettings

    def notify_on(db):  # type: ignore[no-untyped-def]
        settings = replace(
            NotifySettings.from_env(),
            intake_public_url="http://intake.test",
            desk_public_url="http://desk.test",
            vouchers_public_url="http://vouchers.test",
        )
        return notify(notify_bootstrap(settings, db))

    return {
        "intake": ("intake", lambda db: intake_handlers(intake_bootstrap(IntakeSettings.from_env(), db))),
        "business_desk": ("business_desk", lambda db: desk(desk_bootstrap(DeskSettings.from_env(), db))),
        "notify": ("notify", notify_on),
    }


class Record:
    """What the loop reads of a Kafka record."""

    def __init__(self, value: bytes | None, offset: int) -> None:
        self.value, self.key, self.offset = value, b"k", offset
        self.topic, self.partition = "fuzz.v1", 0


def golden(event_types: list[str]) -> st.SearchStrategy[dict]:
    examples = st.sampled_from(event_types).map(golden_example)
    return examples.map(lambda event: {**event, "event_id": str(uuid.uuid4())})


def generated(event_types: list[str]) -> st.SearchStrategy[dict]:
    """Events that match their contract, of every published version."""
    versions = [(kind, version) for kind in event_types for version in contract_versions(kind)]
    return st.sampled_from(versions).flatmap(lambda which: contract_events(*which))


def made_hostile(valid: st.SearchStrategy[dict]) -> st.SearchStrategy[dict]:
    """A valid event with one of its values (at any depth) replaced by something hostile."""

    @st.composite
    def build(draw: st.DrawFn) -> dict:
        event = copy.deepcopy(draw(valid))
        paths = list(_paths(event))
        path = draw(st.sampled_from(paths))
        replacement = draw(st.one_of(HOSTILE_STRINGS, WRONG_TYPES))
        target = event
        for key in path[:-1]:
            target = target[key]
        if draw(st.booleans()) or not isinstance(target, dict):
            target[path[-1]] = replacement
        else:
            del target[path[-1]]  # a missing field
        return event

    return build()


def _paths(value: object, prefix: tuple = ()) -> list[tuple]:
    found: list[tuple] = []
    if isinstance(value, dict):
        for key, item in value.items():
            found.append((*prefix, key))
            found.extend(_paths(item, (*prefix, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.append((*prefix, index))
            found.extend(_paths(item, (*prefix, index)))
    return found


def messages(event_types: list[str], seal: Callable[[dict], bytes]) -> st.SearchStrategy[bytes]:
    valid = st.one_of(generated(event_types), golden(event_types))
    broken = st.one_of(
        st.binary(max_size=200),
        st.sampled_from([b"{", b"[]", b'"x"', b"null", b"{}", b'{"type": 1}', "ä".encode("latin-1")]),
    )
    return st.one_of(valid.map(seal), made_hostile(valid).map(seal), broken)


def sealer(personal) -> Callable[[dict], bytes]:
    def seal(event: dict) -> bytes:
        try:
            return personal.seal_event(Envelope.from_dict(event)).to_json()
        except Exception:
            return json.dumps(event, default=str).encode()  # travels as it is: unsealable

    return seal


def outcome(db, consumer: str, raw: bytes, dead: InMemoryPublisher, handled: set[str]) -> str:
    try:
        envelope = json.loads(raw)
        event_id, event_type = envelope["event_id"], envelope["type"]
    except Exception:
        event_id = event_type = None
    letters = [json.loads(value) for _, _, value in dead.messages]
    if any(letter["original"] == raw.decode("utf-8", errors="replace")[:256_000] for letter in letters):
        assert all(letter["reason"] for letter in letters), letters
        return "dead-lettered"
    if isinstance(event_id, str) and db["processed_messages"].find_one({"_id": f"{consumer}:{event_id}"}):
        return "took effect"
    if event_type not in handled:
        return "of no interest"
    return "lost"


@pytest.mark.parametrize("consumer", ["intake", "business_desk", "notify"])
def test_no_message_stops_a_consumer(consumer, settings_for, personal, wire):
    service, build = consumers()[consumer]
    db = mongo_client(settings_for(service))[settings_for(service).database]
    handlers = build(db)
    handled = set(handlers)
    seal = sealer(personal)
    sentinel_type = sorted(
        t for t in handled if (Path(CONTRACTS_DIR) / "examples" / f"{t}.v1.json").exists()
    )[0]

    seen: Counter[str] = Counter()

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=SLOW_GENERATION)
    @given(raw=messages(sorted(handled), seal))
    def feed(raw: bytes) -> None:
        dead = InMemoryPublisher()
        loop = ConsumerLoop(
            consumer,
            None,
            MessageProcessor(MongoInbox(db, consumer), handlers, personal=personal),
            dead,
            max_attempts=2,
        )
        sentinel = golden_example(sentinel_type)
        sentinel["event_id"] = str(uuid.uuid4())
        after = wire(sentinel)
        loop.handle([Record(raw, 0), Record(after, 1)], threading.Event())  # must not raise
        result = outcome(db, consumer, raw, dead, handled)
        seen[result] += 1
        assert result != "lost"
        assert outcome(db, consumer, after, dead, handled) in ("took effect", "dead-lettered")

    feed()
    print(f"{consumer}: {dict(seen)}")
