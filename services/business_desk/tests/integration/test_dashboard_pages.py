"""The managers' dashboard as a page: its filter's errors at the fields, each count a link to
the cases behind it, its exports for a spreadsheet in the page's language; and the staff's
error pages (HTML in the page's language; the API keeps its JSON)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook

from business_desk import create_app
from business_desk.bootstrap import bootstrap as desk_bootstrap
from business_desk.service import consumed_handlers
from conftest import case_inquiry
from kernel.eventsourcing.inbox import MongoInbox
from kernel.eventsourcing.processor import MessageProcessor
from kernel.platform.connections import mongo_client

pytestmark = pytest.mark.integration


def inquiry(n: int, case_type: str, received_on: date, company: str | None = None) -> dict:
    return case_inquiry(n, case_type, received_on.isoformat(), series="W", company=company)


class Desk:
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
def desk(settings_for, personal, wire):  # type: ignore[no-untyped-def]
    desk = Desk(settings_for("business_desk"), personal, wire)
    desk.receive(inquiry(71, "outdoor_seating", date(2026, 9, 1)))  # long overdue by 24 Nov
    desk.receive(inquiry(72, "outdoor_seating", date(2026, 11, 23)))
    return desk


def test_the_filter_shows_every_error_at_its_field_and_keeps_what_was_typed(desk, page_client):
    manager = page_client(desk.app, "manager", "sv")
    wrong = manager.get("/dashboard?from=2026-12-01&to=2026-11-01")
    assert wrong.status_code == 422 and wrong.mimetype == "text/html"
    html = wrong.get_data(as_text=True)
    assert 'id="error-summary"' in html and 'href="#to"' in html
    assert "Till-datumet får inte vara före från-datumet." in html and 'id="to-error"' in html
    assert 'value="2026-12-01"' in html and 'value="2026-11-01"' in html
    both = manager.get("/dashboard?from=nej&to=2026-13-01").get_data(as_text=True)
    assert 'id="from-error"' in both and 'id="to-error"' in both and 'value="nej"' in both
    assert both.index('href="#from"') < both.index('href="#to"')


def test_staff_error_pages_are_pages_in_the_page_language_and_the_api_keeps_json(desk, page_client):
    sv = page_client(desk.app, "case_handler", "sv")
    refused = sv.get("/dashboard")
    assert refused.status_code == 403 and refused.mimetype == "text/html"
    assert "Du har inte behörighet till sidan" in refused.get_data(as_text=True)
    en = page_client(desk.app, "case_handler", "en")
    missing = en.get("/no-such-page")
    assert missing.status_code == 404 and "The page cannot be found" in missing.get_data(as_text=True)
    assert 'href="/"' in missing.get_data(as_text=True)
    api = en.get("/api/v1/figures")
    assert api.status_code in (401, 403) and api.is_json


def test_each_count_drills_down_to_the_cases_behind_it(desk, page_client):
    manager = page_client(desk.app, "manager", "en")
    page = manager.get("/dashboard?case_type=outdoor_seating").get_data(as_text=True)
    assert "/dashboard/cases?show=overdue&case_type=outdoor_seating" in page
    assert "/dashboard/cases?show=open&case_type=outdoor_seating" in page
    overdue = manager.get("/dashboard/cases?show=overdue&case_type=outdoor_seating")
    assert overdue.status_code == 200
    html = overdue.get_data(as_text=True)
    assert "1 case." in html and html.count('href="/cases/') == 1
    assert 'href="/dashboard?case_type=outdoor_seating"' in html
    every = manager.get("/dashboard/cases?show=open&case_type=outdoor_seating").get_data(as_text=True)
    assert "2 cases." in every
    young = manager.get("/dashboard/cases?show=age&band=0&case_type=outdoor_seating").get_data(as_text=True)
    assert "1 case." in young
    assert manager.get("/dashboard/cases?show=nonsense").status_code == 404


def test_the_exports_open_in_a_swedish_spreadsheet(desk, page_client):
    manager = page_client(desk.app, "manager", "sv")
    text = manager.get("/dashboard/figures.csv").get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:4] == ["Rad", "Nyckel", "Inkomna", "Beslutade"]
    xlsx = manager.get("/dashboard/figures.xlsx")
    assert xlsx.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert cells[0][:4] == ["Rad", "Nyckel", "Inkomna", "Beslutade"]
    assert len(cells) == len(rows) and isinstance(cells[1][2], int)
