"""A business_desk on the real store, with its consumer's processing path: `world` with
a fixed clock, `desk` with the app's own clock and events fed as Kafka delivers them
`clocked_desk` with a clock the test sets (test_case_work_and_figures and
test_dashboard_pages take it as their `desk`)."""

from __future__ import annotations

from datetime import UTC, date, datetime

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


class ClockedDesk:
    """The app on the real store, with a clock the test sets."""

    def __init__(self, settings, personal, wire) -> None:
        self.db = mongo_client(settings)[settings.database]
        self.app = create_app(settings)
        self.deps = self.app.extensions["business_desk.deps"]
        self.today = date(2026, 11, 24)
        self.deps.clock = lambda: datetime(self.today.year, self.today.month, self.today.day, 9, tzinfo=UTC)
        self._processor = MessageProcessor(
            MongoInbox(self.db, "business_desk"),
            consumed_handlers(desk_bootstrap(settings, self.db)),
            personal=personal,
        )
        self._wire = wire

    def actor_id(self, subject: str) -> str:
        """Who a demo user is (their issuer and subject)."""
        return f"{self.deps.settings.oidc_issuer}#{subject}"

    def receive(self, raw: dict) -> str:
        assert self._processor.process(self._wire(raw)) is None
        return raw["data"]["inquiry_id"]


@pytest.fixture
def clocked_desk(settings_for, personal, wire) -> ClockedDesk:
    return ClockedDesk(settings_for("business_desk"), personal, wire)
