"""Fixtures of notify's integration tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def gateway(monkeypatch):
    """A recording SMS gateway, and notify's settings pointing at it."""
    from devstack.smsgateway import RecordingSmsGateway

    running = RecordingSmsGateway().start()
    monkeypatch.setenv("SMS_GATEWAY_URL", running.url)
    monkeypatch.setenv("SMS_GATEWAY_TOKEN", "sms-token")
    yield running
    running.stop()


@pytest.fixture
def wired_notify(personal):
    """notify wired by its bootstrap on the test's store, as its consumer is (its links to
    intake at http://intake.test): `wired_notify(settings=None) -> (deps, processor)`,
    settings from the environment as it is when called."""
    from dataclasses import replace

    from kernel.eventsourcing.inbox import MongoInbox
    from kernel.eventsourcing.processor import MessageProcessor
    from kernel.platform.connections import mongo_client
    from notify.bootstrap import bootstrap
    from notify.handlers import handlers
    from notify.settings import NotifySettings

    def wired(settings: NotifySettings | None = None, **fakes):  # type: ignore[no-untyped-def]
        settings = replace(settings or NotifySettings.from_env(), intake_public_url="http://intake.test")
        db = mongo_client(settings)[settings.database]
        deps = bootstrap(settings, db, personal=personal, **fakes)
        deps.outbox.ensure_schema()
        return deps, MessageProcessor(MongoInbox(db, "notify"), handlers(deps), personal=personal)

    return wired


@pytest.fixture
def deliveries(settings_for, personal):
    """What is read of notify's outgoing mail on the test's store."""
    from kernel.platform.connections import mongo_client
    from notify.readmodels.deliveries import Deliveries

    settings = settings_for("notify")
    return Deliveries(mongo_client(settings)[settings.database], personal)
