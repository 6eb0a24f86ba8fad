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
