"""The public case-type pages read live figures from business_desk over HTTP."""

from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from business_desk import create_app as desk_app
from business_desk import handlers as desk_handlers
from business_desk.service import consumed_handlers
from conftest import case_inquiry
from intake import create_app
from kernel.domain.actors import Actor
from kernel.eventsourcing.inbox import MongoInbox
from kernel.eventsourcing.processor import MessageProcessor

pytestmark = pytest.mark.integration


@pytest.fixture
def desk(settings_for, personal, wire, monkeypatch):
    """business_desk serving its API on a real port, with one decided case."""
    settings = settings_for("business_desk")
    app = desk_app(settings)
    deps = app.extensions["business_desk.deps"]
    today = deps.clock().date().isoformat()
    raw = case_inquiry(1, "outdoor_seating", today)
    inbox = MongoInbox(deps.db, "business_desk")
    MessageProcessor(inbox, consumed_handlers(deps), personal=personal).process(wire(raw))
    case_id = raw["data"]["inquiry_id"]
    sara = Actor(f"{settings.oidc_issuer}#sara.handler", "Sara Handläggare")
    desk_handlers.claim(deps, case_id, sara)
    desk_handlers.decide(deps, case_id, sara, "granted", "Ni får ställa ut tolv bord.")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("DESK_URL", f"http://127.0.0.1:{server.server_port}")
    yield
    server.shutdown()


def test_a_case_type_page_shows_what_to_submit_the_promise_and_the_live_figures(desk, settings_for):
    client = create_app(settings_for("intake")).test_client()
    page = client.get("/case-types/outdoor_seating?lang=en").get_data(as_text=True)
    assert "A sketch of the seating" in page and "4 weeks" in page
    assert 'id="decided">1<' in page and 'id="share">100%<' in page
    listing = client.get("/case-types?lang=sv").get_data(as_text=True)
    assert (
        "Uteservering" in listing and "Inga beslut ännu under perioden." in listing
    )  # other types: none yet
    assert client.get("/case-types/nope").status_code == 404
    form = client.get("/?case_type=outdoor_seating").get_data(as_text=True)
    assert '<option value="outdoor_seating" selected' in form


def test_without_business_desk_the_page_says_the_figures_are_unavailable(settings_for, monkeypatch):
    monkeypatch.setenv("DESK_URL", "http://127.0.0.1:9")  # nothing listens there
    client = create_app(settings_for("intake")).test_client()
    page = client.get("/case-types/building_permit?lang=en").get_data(as_text=True)
    assert "cannot be fetched just now" in page and "Site plan" in page


def test_the_case_types_can_be_searched(settings_for):
    client = create_app(settings_for("intake")).test_client()
    found = client.get("/case-types?lang=en&q=alcohol").get_data(as_text=True)
    assert (
        'data-case-type="alcohol_serving_licence"' in found
        and 'data-case-type="building_permit"' not in found
    )
    by_document = client.get("/case-types?lang=sv&q=situationsplan").get_data(as_text=True)
    assert 'data-case-type="building_permit"' in by_document
    assert 'id="no-match"' in client.get("/case-types?lang=en&q=zeppelin").get_data(as_text=True)
