"""A business_desk on the real store, with its consumer's processing path."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from business_desk import create_app
from business_desk.consumer import build_handlers
from kernel.connections import mongo_client
from kernel.consumed import group_of
from kernel.consumer import MessageProcessor, MongoInbox


@pytest.fixture
def world(settings_for, personal, wire):
    settings = settings_for("business_desk")
    db = mongo_client(settings)[settings.database]
    app = create_app(settings)
    deps = app.extensions["business_desk.deps"]
    deps.clock = lambda: datetime(2026, 11, 30, 9, tzinfo=UTC)
    processor = MessageProcessor(MongoInbox(db, group_of(settings)), build_handlers(db), personal=personal)

    def receive(raw: dict) -> None:
        assert processor.process(wire(raw)) is None

    return settings, db, deps, receive
