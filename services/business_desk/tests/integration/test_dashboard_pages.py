"""The managers' dashboard as a page: its filter's errors at the fields, each count a link to
the cases behind it, its exports for a spreadsheet in the page's language; and the staff's
error pages (HTML in the page's language; the API keeps its JSON)."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from conftest import case_inquiry

pytestmark = pytest.mark.integration


def inquiry(n: int, case_type: str, received_on: date, company: str | None = None) -> dict:
    return case_inquiry(n, case_type, received_on.isoformat(), series="W", company=company)


@pytest.fixture
def desk(clocked_desk):  # type: ignore[no-untyped-def]
    desk = clocked_desk
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
    assert "/dashboard/cases?show=overdue&amp;case_type=outdoor_seating" in page
    assert "/dashboard/cases?show=open&amp;case_type=outdoor_seating" in page
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
