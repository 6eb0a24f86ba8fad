"""A business_desk on the real store, with its consumer's processing path: `world` with
a fixed clock, `desk` with the app's own clock and events fed as Kafka delivers them
(test_case_work_and_figures has a `desk` of its own)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from business_desk import create_app
from business_desk.bootstrap import bootstrap as desk_bootstrap
from business_desk.service import consumed_handlers
from kernel.eventsourcing.consumed import group_of
from kernel.eventsourcing.inbox import MongoInbox
from kernel.eventsourcing.processor import MessageProcessor
from kernel.platform.connections import mongo_client


@pytest.fixture
def world(settings_for, personal, wire):
    settings = settings_for("business_desk")
    db = mongo_client(settings)[settings.database]
    app = create_app(settings)
    deps = app.extensions["business_desk.deps"]
    deps.clock = lambda: datetime(2026, 11, 30, 9, tzinfo=UTC)
    processor = MessageProcessor(
        MongoInbox(db, group_of(settings)), consumed_handlers(desk_bootstrap(settings, db)), personal=personal
    )

    def receive(raw: dict) -> None:
        assert processor.process(wire(raw)) is None

    return settings, db, deps, receive


@pytest.fixture
def desk(settings_for, personal, wire):
    settings = settings_for("business_desk")
    db = mongo_client(settings)[settings.database]
    app = create_app(settings)
    processor = MessageProcessor(
        MongoInbox(db, "business_desk"), consumed_handlers(desk_bootstrap(settings, db)), personal=personal
    )
    return app, Delivery(processor, wire), db


class Delivery:
    """Delivers an event as the consumer receives it from Kafka: sealed, as bytes."""

    def __init__(self, processor: MessageProcessor, wire) -> None:
        self._processor, self._wire = processor, wire

    def process(self, raw: dict) -> str | None:
        return self._processor.process(self._wire(raw))
