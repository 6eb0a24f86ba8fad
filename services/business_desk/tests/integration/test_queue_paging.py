"""The queues page by a cursor on their deadline order, over the API and on the pages:
every case once, in order (ties on the dates broken by the id), the caller's reach kept
on every page, cases arriving between pages, bad cursors and limits refused in the
caller's language."""

from __future__ import annotations

import re
from html import unescape

import pytest

from conftest import BAD_PAGE_QUERIES, case_inquiry, every_page

pytestmark = pytest.mark.integration

DAYS = ["2026-11-02", "2026-11-03", "2026-11-04"]


def open_cases(processor, first: int, count: int, case_type: str) -> None:
    for n in range(first, first + count):
        processor.process(case_inquiry(n, case_type, DAYS[n % len(DAYS)]))


def order(case: dict) -> tuple:
    return case["due_date"], case["received_on"], case["id"]


def test_a_team_queue_pages_every_case_once_in_deadline_order_within_the_callers_reach(desk, signed_in):
    app, processor, _ = desk
    open_cases(processor, 1, 17, "outdoor_seating")
    open_cases(processor, 18, 6, "alcohol_serving_licence")
    open_cases(processor, 24, 4, "building_permit")  # another team's: never on Sara's pages
    sara = signed_in(app, "case_handler")

    pages = every_page(sara, "/api/v1/teams/licensing/queue?limit=5")
    cases = [c for page in pages for c in page["items"]]
    assert [len(p["items"]) for p in pages] == [5, 5, 5, 5, 3]
    assert [p["more"] for p in pages] == [True, True, True, True, False]
    assert pages[0]["previous"] is None and pages[-1]["next"] is None
    assert all(p["limit"] == 5 for p in pages)
    assert len({c["id"] for c in cases}) == len(cases) == 23
    assert [order(c) for c in cases] == sorted(order(c) for c in cases)
    assert {c["case_type"] for c in cases} == {"outdoor_seating", "alcohol_serving_licence"}

    # a page's links keep the filters: only the unassigned, searched, still within reach
    filtered = every_page(sara, "/api/v1/teams/licensing/queue?limit=4&unassigned=true&status=open")
    assert "unassigned=true" in filtered[0]["next"] and "limit=4" in filtered[0]["next"]
    assert [c["id"] for p in filtered for c in p["items"]] == [c["id"] for c in cases]

    back = sara.get(pages[2]["previous"]).get_json()
    assert back["items"] == pages[1]["items"]

    # one of the building team's cursors on Sara's queue reaches none of its cases
    building = every_page(signed_in(app, "manager"), "/api/v1/queues/building_permit?limit=2")
    assert sum(len(p["items"]) for p in building) == 4
    crossed = sara.get(f"/api/v1/teams/licensing/queue?limit=5&cursor={cursor_of(building[0]['next'])}")
    assert crossed.status_code == 200
    assert all(c["case_type"] != "building_permit" for c in crossed.get_json()["items"])
    assert sara.get(building[0]["next"]).status_code == 403


def cursor_of(link: str) -> str:
    return re.search(r"cursor=([^&]+)", link).group(1)


def test_cases_arriving_between_pages_neither_repeat_nor_push_others_out(desk, signed_in):
    app, processor, _ = desk
    open_cases(processor, 1, 9, "outdoor_seating")
    sara = signed_in(app, "case_handler")
    first = sara.get("/api/v1/queues/outdoor_seating?limit=4").get_json()
    processor.process(case_inquiry(40, "outdoor_seating", "2026-10-01"))  # due before the whole page
    processor.process(case_inquiry(41, "outdoor_seating", "2026-12-01"))  # due after every other
    seen = [c["id"] for c in first["items"]]
    link = first["next"]
    while link:
        page = sara.get(link).get_json()
        seen += [c["id"] for c in page["items"]]
        link = page["next"]
    assert len(seen) == len(set(seen)) == 10  # the nine, and the late newcomer at the end
    everything = sara.get("/api/v1/queues/outdoor_seating?limit=200").get_json()["items"]
    assert [c["id"] for c in everything][1:] == seen
    assert everything[0]["reference"].endswith("00040")


@pytest.mark.parametrize(
    ("query", "field"),
    BAD_PAGE_QUERIES,
)
def test_a_bad_cursor_or_limit_is_refused_at_the_field_in_the_callers_language(desk, signed_in, query, field):
    app, processor, _ = desk
    open_cases(processor, 1, 2, "outdoor_seating")
    sara = signed_in(app, "case_handler")
    swedish = sara.get(f"/api/v1/queues/outdoor_seating?{query}", headers={"Accept-Language": "sv"})
    assert swedish.status_code == 422
    [message] = swedish.get_json()["errors"]["query"][field]
    assert ("Sidlänken" if field == "cursor" else "heltal") in message
    english = sara.get(f"/api/v1/queues/outdoor_seating?{query}", headers={"Accept-Language": "en"})
    assert ("page link" if field == "cursor" else "whole number") in english.get_json()["errors"]["query"][
        field
    ][0]


def test_a_cursor_of_the_audit_trail_is_no_cursor_of_a_queue(desk, signed_in):
    app, processor, _ = desk
    open_cases(processor, 1, 1, "outdoor_seating")
    sara, manager = signed_in(app, "case_handler"), signed_in(app, "manager")
    case_id = sara.get("/api/v1/queues/outdoor_seating").get_json()["items"][0]["id"]
    for _ in range(3):
        sara.get(f"/api/v1/cases/{case_id}")
    trail = manager.get(f"/api/v1/cases/{case_id}/audit?limit=2").get_json()
    assert len(trail["items"]) == 2 and trail["more"]
    rest = manager.get(trail["next"]).get_json()
    assert len(rest["items"]) == 1 and not rest["more"]
    assert sara.get(f"/api/v1/queues/outdoor_seating?cursor={cursor_of(trail['next'])}").status_code == 422


def test_the_queue_page_links_its_pages_in_a_navigation_landmark(desk, page_client):
    app, processor, _ = desk
    open_cases(processor, 1, 7, "outdoor_seating")
    sara = page_client(app, "case_handler", "sv")
    first = sara.get("/queues/outdoor_seating?limit=3").get_data(as_text=True)
    nav = re.search(r'<nav class="pager" aria-label="([^"]+)">(.*?)</nav>', first, re.S)
    assert nav and nav.group(1) == "Köns sidor"
    assert '<span aria-current="page">Sida 1</span>' in nav.group(2)
    assert "Föregående sida" not in nav.group(2)
    assert "7 ärenden" in first  # the whole queue's count, not the page's
    seen = references(first)
    page = first
    while (link := re.search(r'<a href="([^"]+)" rel="next">Nästa sida</a>', page)) is not None:
        page = sara.get(unescape(link.group(1))).get_data(as_text=True)
        seen += references(page)
    assert len(seen) == len(set(seen)) == 7
    assert '<span aria-current="page">Sida 3</span>' in page and 'rel="prev">Föregående sida' in page

    refused = sara.get("/queues/outdoor_seating?cursor=garbage")
    assert refused.status_code == 422
    assert re.search(r'role="alert" id="paging-error">Sidlänken', refused.get_data(as_text=True))
    english = (
        page_client(app, "case_handler", "en").get("/queues/outdoor_seating?limit=3").get_data(as_text=True)
    )
    assert 'aria-label="Queue pages"' in english and 'rel="next">Next page</a>' in english


def references(html: str) -> list[str]:
    return re.findall(r">(BUS-2026-T\d+)</a>", html)
