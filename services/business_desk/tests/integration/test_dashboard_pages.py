"""The managers' dashboard as a page: its filter's errors at the fields, each count a link to
the cases behind it, its exports for a spreadsheet in the page's language; and the staff's
error pages (HTML in the page's language; the API keeps its JSON)."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import date, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from openpyxl import load_workbook

from business_desk.domain import figures as figures_domain
from business_desk.domain.figures import AGE_BANDS
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


# -- the cases behind every figure ----------------------------------------------------------

LINK = re.compile(r'href="(/dashboard/cases\?[^"]+)"')


@pytest.fixture
def decided(desk, signed_in):  # type: ignore[no-untyped-def]
    """The desk's two open cases, and five more: four decided (one late) in three weeks."""
    sara, today = signed_in(desk.app, "case_handler"), desk.today
    for n, (case_type, age, decide_after) in enumerate(
        [
            ("outdoor_seating", 50, 20),
            ("outdoor_seating", 40, 35),  # late
            ("outdoor_seating", 30, 9),
            ("alcohol_serving_licence", 30, 10),
            ("alcohol_serving_licence", 5, None),
        ]
    ):
        received = today - timedelta(days=age)
        case_id = desk.receive(inquiry(80 + n, case_type, received))
        if decide_after is not None:
            desk.today = received + timedelta(days=decide_after)
            assert sara.post(f"/api/v1/cases/{case_id}/claim").status_code == 200
            answer = sara.post(
                f"/api/v1/cases/{case_id}/decision", json={"outcome": "granted", "answer": "Ja."}
            )
            assert answer.status_code == 200
            desk.today = today
    return desk


def expected(figures: dict, show: str, week: str | None, band: str | None) -> int:
    """The figure behind a drilldown link, from the figures the dashboard shows."""
    totals = figures["totals"]
    if week:
        totals = next(w for w in figures["weekly"] if w["week"] == week)
    backlog = figures["backlog"]
    if show.startswith("within_"):
        return round((totals[f"share_within_target_{show[7:]}"] or 0) * totals["decided"])
    return {
        "received": totals["received"],
        "decided": totals["decided"],
        "net_days": totals["decided"],
        "gross_days": totals["decided"],
        "open": backlog["open"],
        "waiting": backlog["waiting_for_applicant"],
        "overdue": backlog["overdue"],
        "forecast": backlog["breaches_forecast"],
        # by the band's name: the JSON's keys are sorted
        "age": backlog["by_age"].get(figures_domain._band(*AGE_BANDS[int(band or 0)])),
    }[show]


@pytest.mark.parametrize(
    "query",
    [
        "",
        "case_type=outdoor_seating",
        "period=4w",
        "team=licensing&period=52w",
        "group_by=team",
        "group_by=handler",
    ],
)
def test_every_tile_bar_point_and_row_links_to_as_many_cases_as_it_counts(decided, page_client, query):
    manager = page_client(decided.app, "manager", "en")
    page = manager.get(f"/dashboard?{query}").get_data(as_text=True)
    links = {html.unescape(link) for link in LINK.findall(page)}
    shows = {parse_qs(urlsplit(link).query)["show"][0] for link in links}
    assert {"received", "decided", "within_net", "within_gross", "net_days", "gross_days"} <= shows
    assert {"open", "overdue"} <= shows
    assert any("week=" in link for link in links)  # the charts' bars and points
    if "group_by" in query:  # the breakdown's rows
        assert any(f"{query[9:]}=" in link for link in links)
    for link in sorted(links):
        args = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
        for name, value in parse_qs(query).items():
            assert args[name] == value[0] or name in ("case_type", "team"), link  # the filter kept
        narrowed = urlencode({k: v for k, v in args.items() if k not in ("show", "week", "band")})
        figures = manager.get(f"/dashboard/figures.json?{narrowed}").get_json()
        answer = manager.get(link)
        assert answer.status_code == 200, link
        text = answer.get_data(as_text=True)
        n = expected(figures, args["show"], args.get("week"), args.get("band"))
        count = re.search(r'id="drilldown-count">(\d+) cases?\.<', text)
        assert count and int(count.group(1)) == n, link
        assert text.count('href="/cases/') == n  # all on one page (under 50)


def test_a_list_says_what_it_shows_in_the_page_language(decided, page_client):
    manager = page_client(decided.app, "manager", "sv")
    week = "2026-11-02"  # the week of the third outdoor seating decision (received 25 Oct + 9 days)
    text = manager.get(f"/dashboard/cases?show=decided&week={week}&case_type=outdoor_seating").get_data(
        as_text=True
    )
    assert "Beslutade v. 45, Uteservering: 1 ärende</h1>" in text
    # the reference, a link to the case page
    assert re.search(r'<td><a href="/cases/[^"]+">[^<]+</a></td>', text)
    late = manager.get("/dashboard/cases?show=within_net&case_type=outdoor_seating").get_data(as_text=True)
    assert "Beslutade inom målet (rättslig klocka) " in late and "2 ärenden</h1>" in late
    band = manager.get("/dashboard/cases?show=age&band=3").get_data(as_text=True)
    assert "Öppna ärenden efter ålder (31-60 dagar): 0 ärenden</h1>" in band
    assert "<table" not in band  # nothing to list


class Counting:
    """A collection that counts the commands sent to it."""

    def __init__(self, collection) -> None:  # type: ignore[no-untyped-def]
        self._collection, self.commands = collection, []

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        attribute = getattr(self._collection, name)
        if not callable(attribute):
            return attribute

        def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
            self.commands.append(name)
            return attribute(*args, **kwargs)

        return counted


def test_a_long_list_is_paged_with_one_read_of_the_store_a_page(decided, page_client):
    manager = page_client(decided.app, "manager", "en")
    cases = Counting(decided.deps.cases._cases)
    decided.deps.cases._cases = cases
    link, seen, pages = "/dashboard/cases?show=received&limit=2", [], 0
    while link:
        cases.commands.clear()
        text = manager.get(link).get_data(as_text=True)
        assert cases.commands == ["find", "count_documents"], cases.commands
        assert "7 cases." in text
        seen += re.findall(r'href="/cases/[^"]+">([^<]+)<', text)
        pages += 1
        found = re.search(r'<a [^>]*href="([^"]+)"[^>]*rel="next"|rel="next"[^>]*href="([^"]+)"', text)
        link = html.unescape(next(g for g in found.groups() if g)) if found else None
    assert pages == 4 and len(seen) == len(set(seen)) == 7
    refused = manager.get("/dashboard/cases?show=received&cursor=nonsense").get_data(as_text=True)
    assert 'id="paging-error"' in refused


def test_a_drilldown_with_a_bad_filter_gives_the_fields_errors_and_needs_the_dashboards_permission(
    decided, page_client
):
    manager = page_client(decided.app, "manager", "sv")
    wrong = manager.get("/dashboard/cases?show=decided&from=nej&case_type=nope&team=nobody")
    assert wrong.status_code == 422 and wrong.mimetype == "text/html"
    text = wrong.get_data(as_text=True)
    assert 'id="error-summary"' in text
    assert all(f'id="{field}-error"' in text for field in ("from", "case_type", "team"))
    assert 'value="nej"' in text
    assert manager.get("/dashboard/cases?show=decided&week=v48").status_code == 404
    assert manager.get("/dashboard/cases?show=age&band=9").status_code == 404
    handler = page_client(decided.app, "case_handler", "sv")
    refused = handler.get("/dashboard/cases?show=decided")
    assert refused.status_code == 403 and refused.mimetype == "text/html"
    assert "Du har inte behörighet till sidan" in refused.get_data(as_text=True)


def test_the_csv_export_says_every_row_and_key_in_the_page_language(decided, page_client):
    manager = page_client(decided.app, "manager", "sv")
    text = manager.get("/dashboard/figures.csv?group_by=case_type").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    kinds = {row[0] for row in rows[1:]}
    assert kinds == {
        "Totalt",
        "Vecka",
        "Ärendetyp",
        "Öppna efter ålder",
        "Försenade nu",
        "Passerar målet inom 14 dagar",
    }
    keys = {row[1] for row in rows if row[0] in ("Ärendetyp", "Öppna efter ålder")}
    assert {"Uteservering", "0-7 dagar", "över 90 dagar"} <= keys
    assert not any("days" in row[1] or "_" in row[1] for row in rows[1:])
    by_handler = manager.get("/dashboard/figures.csv?group_by=handler").get_data(as_text=True)
    handlers = [row for row in csv.reader(io.StringIO(by_handler.lstrip("\ufeff")), delimiter=";")]
    assert ["Handläggare", "Sara Handläggare"] in [row[:2] for row in handlers]
