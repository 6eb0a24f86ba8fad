"""A case's history and internal notes page like every other list: the case carries the
newest entries with their count and the link to the older ones, the lists themselves
page newest first over the API and on the case page, bad cursors and limits refused at
their field."""

from __future__ import annotations

import re
from html import unescape

import pytest

from conftest import BAD_PAGE_QUERIES, case_inquiry, every_page
from kernel.web.embedded import HEAD

pytestmark = pytest.mark.integration
NOTES = HEAD + 5


@pytest.fixture
def noted_case(desk, signed_in):
    """A case with more notes than a case carries (and so a longer history)."""
    app, processor, _ = desk
    processor.process(case_inquiry(1, "outdoor_seating", "2026-11-02"))
    sara = signed_in(app, "case_handler")
    case_id = sara.get("/api/v1/queues/outdoor_seating").get_json()["items"][0]["id"]
    for n in range(1, NOTES + 1):
        noted = sara.post(f"/api/v1/cases/{case_id}/notes", json={"note": f"Anteckning {n}"})
        assert noted.status_code == 200
    return app, sara, case_id


def test_a_case_carries_its_newest_entries_and_links_the_older_ones(noted_case):
    _, sara, case_id = noted_case
    case = sara.get(f"/api/v1/cases/{case_id}").get_json()

    assert case["notes_total"] == NOTES and len(case["notes"]) == HEAD
    # the newest, in the order they were written: the last is the latest, as before
    assert [n["note"] for n in case["notes"]] == [f"Anteckning {n}" for n in range(6, NOTES + 1)]
    older = sara.get(case["notes_older"]).get_json()
    assert [n["note"] for n in older["items"]] == [f"Anteckning {n}" for n in range(5, 0, -1)]
    assert older["more"] is False and older["next"] is None and older["previous"] is not None

    assert case["history_total"] == NOTES + 1  # opened, then one line per note
    assert len(case["history"]) == HEAD and case["history"][-1]["seq"] == NOTES + 1
    rest = sara.get(case["history_older"]).get_json()
    assert [h["seq"] for h in rest["items"]] == list(range(NOTES + 1 - HEAD, 0, -1))
    assert rest["items"][-1]["type"] == "case_opened"


def test_a_case_whose_lists_fit_carries_them_whole(desk, signed_in):
    app, processor, _ = desk
    processor.process(case_inquiry(2, "outdoor_seating", "2026-11-02"))
    sara = signed_in(app, "case_handler")
    case_id = sara.get("/api/v1/queues/outdoor_seating").get_json()["items"][0]["id"]
    noted = sara.post(f"/api/v1/cases/{case_id}/notes", json={"note": "En enda."}).get_json()
    assert noted["notes_total"] == 1 and noted["notes_older"] is None and noted["history_older"] is None
    assert [h["type"] for h in noted["history"]] == ["case_opened", "note_added"]
    assert sara.get(f"/api/v1/cases/{case_id}/notes").get_json() == {
        "items": [{**noted["notes"][0], "seq": 1}],
        "limit": 50,
        "more": False,
        "next": None,
        "previous": None,
    }


def test_the_history_pages_newest_first_every_entry_once_and_back(noted_case):
    _, sara, case_id = noted_case
    pages = every_page(sara, f"/api/v1/cases/{case_id}/history?limit=20")
    assert [len(p["items"]) for p in pages] == [20, 20, 16]
    seqs = [h["seq"] for p in pages for h in p["items"]]
    assert seqs == list(range(NOTES + 1, 0, -1))
    assert pages[0]["previous"] is None and "limit=20" in pages[0]["next"]
    back = sara.get(pages[2]["previous"]).get_json()
    assert back["items"] == pages[1]["items"]

    notes = every_page(sara, f"/api/v1/cases/{case_id}/notes?limit={200}")
    assert len(notes) == 1 and [n["seq"] for n in notes[0]["items"]] == list(range(NOTES, 0, -1))


@pytest.mark.parametrize("name", ["history", "notes"])
@pytest.mark.parametrize(
    ("query", "field"),
    BAD_PAGE_QUERIES,
)
def test_a_bad_cursor_or_limit_is_refused_at_the_field(desk, signed_in, name, query, field):
    app, processor, _ = desk
    processor.process(case_inquiry(3, "outdoor_seating", "2026-11-02"))
    sara = signed_in(app, "case_handler")
    case_id = sara.get("/api/v1/queues/outdoor_seating").get_json()["items"][0]["id"]
    refused = sara.get(f"/api/v1/cases/{case_id}/{name}?{query}", headers={"Accept-Language": "sv"})
    assert refused.status_code == 422
    [message] = refused.get_json()["errors"]["query"][field]
    assert ("Sidlänken" if field == "cursor" else "heltal") in message


def test_a_queue_cursor_is_no_cursor_of_a_history_and_an_unknown_case_is_404(desk, signed_in):
    app, processor, _ = desk
    for n in (4, 5):
        processor.process(case_inquiry(n, "outdoor_seating", "2026-11-02"))
    sara = signed_in(app, "case_handler")
    queue = sara.get("/api/v1/queues/outdoor_seating?limit=1").get_json()
    cursor = re.search(r"cursor=([^&]+)", queue["next"]).group(1)
    case_id = queue["items"][0]["id"]
    assert sara.get(f"/api/v1/cases/{case_id}/history?cursor={cursor}").status_code == 422
    assert sara.get("/api/v1/cases/no-such-case/history").status_code == 404
    assert sara.get("/api/v1/cases/no-such-case/notes").status_code == 404


def test_the_case_page_shows_the_newest_first_and_pages_each_list_by_its_own_link(noted_case, page_client):
    app, _, case_id = noted_case
    sara = page_client(app, "case_handler", "sv")
    first = sara.get(f"/cases/{case_id}").get_data(as_text=True)
    notes = re.findall(r"Anteckning (\d+)</li>", first)
    assert notes[:3] == ["55", "54", "53"]
    history_nav = re.search(r'<nav class="pager" aria-label="Sidor i historiken">(.*?)</nav>', first, re.S)
    notes_nav = re.search(r'aria-label="Sidor med interna anteckningar">(.*?)</nav>', first, re.S)
    assert history_nav and notes_nav
    older_notes = re.search(r'<a href="([^"]+)" rel="next">Äldre anteckningar</a>', notes_nav.group(1))
    second = sara.get(unescape(older_notes.group(1))).get_data(as_text=True)
    assert re.findall(r"Anteckning (\d+)</li>", second)[:5] == ["5", "4", "3", "2", "1"]
    assert '<span aria-current="page">Sida 2</span>' in second

    refused = sara.get(f"/cases/{case_id}?history=garbage")
    assert refused.status_code == 422
    assert re.search(r'role="alert" id="list-error">Sidlänken', refused.get_data(as_text=True))
