"""A service calling another's API carries its own access token (client credentials at
the real OpenID provider): business_desk's case page shows what notify sent the
applicant, asked from notify over HTTP."""

from __future__ import annotations

import threading
import uuid

import pytest
import requests
from werkzeug.serving import make_server

from kernel.eventsourcing.contracts import golden_example
from kernel.eventsourcing.inbox import MongoInbox
from kernel.eventsourcing.processor import MessageProcessor
from kernel.platform.connections import mongo_client
from kernel.platform.service_client import ServiceClient

pytestmark = pytest.mark.integration


@pytest.fixture
def notify_server(settings_for, personal):
    from notify import create_app
    from notify.adapters.outbox import MailOutbox
    from notify.domain.messages import About, Email

    settings = settings_for("notify")
    outbox = MailOutbox(mongo_client(settings)[settings.database], personal=personal)
    about = About("BUS-2026-SERVIC", "intake.inquiry_submitted", "applicant", None, "outdoor_seating")
    outbox.queue("m-1", Email("a@example.se", "Kvitto", "..."), about, None)
    for n in range(2, 6):
        outbox.queue(f"m-{n}", Email("a@example.se", f"Brev {n}", "..."), about, None)
    server = make_server("127.0.0.1", 0, create_app(settings), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_a_service_calls_another_with_its_own_token(notify_server, settings_for, monkeypatch):
    monkeypatch.setenv("NOTIFY_URL", notify_server)
    url = f"{notify_server}/api/v1/notifications?reference=BUS-2026-SERVIC"
    assert requests.get(url, timeout=5).status_code == 401  # no token, no log
    client = ServiceClient(settings_for("business_desk"), "notify")
    page = client.get_json(url)
    assert len(page["items"]) == 5 and page["next"] is None
    entry = page["items"][-1]
    assert entry["status"] == "queued" and entry["event_type"] == "intake.inquiry_submitted"
    # a paged list, followed page by page: every item once
    every = client.get_items_or_none(url, page_size=2)
    assert every is not None and [e["id"] for e in every] == [e["id"] for e in page["items"]]
    assert client.get_items_or_none(url, page_size=2, max_pages=2) == page["items"][:4]  # bounded
    token = client._session_with_token().token["access_token"]
    client.get_json(url)
    assert client._session_with_token().token["access_token"] == token  # reused, not fetched per call

    monkeypatch.setenv("SERVICE_CLIENT_SECRET", "wrong")
    with pytest.raises(Exception, match=r"invalid_client|401"):
        ServiceClient(settings_for("business_desk"), "notify").get_json(url)


def test_the_case_page_shows_what_notify_sent_and_copes_when_notify_is_away(
    notify_server, settings_for, monkeypatch, personal, wire, page_client
):
    from business_desk import create_app
    from business_desk.bootstrap import bootstrap as desk_bootstrap
    from business_desk.service import consumed_handlers

    monkeypatch.setenv("NOTIFY_URL", notify_server)
    settings = settings_for("business_desk")
    db = mongo_client(settings)[settings.database]
    raw = golden_example("intake.inquiry_submitted")
    raw["data"].update(case_type="outdoor_seating", reference="BUS-2026-SERVIC", inquiry_id=str(uuid.uuid4()))
    MessageProcessor(
        MongoInbox(db, "business_desk"), consumed_handlers(desk_bootstrap(settings, db)), personal=personal
    ).process(wire(raw))
    case_id = raw["data"]["inquiry_id"]

    page = (
        page_client(create_app(settings), "case_handler", language="en")
        .get(f"/cases/{case_id}")
        .get_data(as_text=True)
    )
    assert 'id="deliveries"' in page and "inquiry submitted" in page and "queued" in page

    monkeypatch.setenv("NOTIFY_URL", "http://127.0.0.1:9")  # nothing listens there
    away = page_client(create_app(settings_for("business_desk")), "case_handler", language="en").get(
        f"/cases/{case_id}"
    )
    assert away.status_code == 200 and "cannot be reached right now" in away.get_data(as_text=True)


def test_a_service_or_openid_provider_that_cannot_be_reached_is_an_outage_told_once(
    notify_server, settings_for, monkeypatch
):
    """A worker calling another service waits for it (kernel.platform.retry) instead of failing the
    message; a page does without it. Either way the outage is one line and /readyz says so."""
    from devstack.ports import free_port
    from kernel.platform.dependencies import OPENID_PROVIDER, TRACKER, DependencyUnavailable, dependency_of

    away = f"http://127.0.0.1:{free_port()}/api/v1/notifications"
    client = ServiceClient(settings_for("business_desk"), "notify")
    with pytest.raises(DependencyUnavailable) as outage:
        client.get_json(away)
    assert dependency_of(outage.value) == "notify API"
    assert client.get_json_or_none(away) is None and TRACKER.is_away("notify API")
    client.get_json(f"{notify_server}/api/v1/notifications")  # it answers again
    assert not TRACKER.is_away("notify API")

    monkeypatch.setenv("OIDC_ISSUER", f"http://127.0.0.1:{free_port()}")
    with pytest.raises(DependencyUnavailable) as no_provider:
        ServiceClient(settings_for("business_desk"), "notify").get_json(away)
    assert dependency_of(no_provider.value) == OPENID_PROVIDER
