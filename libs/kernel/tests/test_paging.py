"""Keyset paging (kernel.web.paging): in memory and on the embedded MongoDB-protocol store.
Every page of a list read in turn gives every item once, in order, ties on the sort key
broken by the id, whatever is added between pages; bad cursors and limits are refused."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from bson.int64 import Int64
from flask import Flask
from marshmallow import ValidationError

from kernel.web.paging import (
    MAX_LIMIT,
    BadCursor,
    Cursor,
    Page,
    PageQuerySchema,
    PageRequest,
    SortKey,
    mongo_page,
    sequence_page,
)

DEADLINES = SortKey.of(("due_date", 1), ("_id", 1))
NEWEST_FIRST = SortKey.of(("at", -1), ("_id", 1))


def cases(n: int, days: int = 3) -> list[dict]:
    """n cases over a few due dates: many ties on the date."""
    return [{"_id": f"c{i:04d}", "due_date": f"2026-12-0{1 + i % days}"} for i in range(n)]


def expected(items: list[dict], sort: SortKey) -> list[str]:
    return [i["_id"] for i in sorted(items, key=lambda i: sort.comparable(sort.position(i)))]


def walk(fetch, limit: int, sort: SortKey) -> list[Page]:
    """Every page from the first, following `next`."""
    pages = [fetch(PageRequest(limit))]
    while pages[-1].next:
        pages.append(fetch(PageRequest.parse(limit, pages[-1].next, sort)))
        assert len(pages) < 1000
    return pages


def ids(pages: list[Page]) -> list[str]:
    return [item["_id"] for page in pages for item in page.items]


def test_every_item_once_in_order_across_pages_with_ties_on_the_sort_key():
    items = cases(23)
    pages = walk(lambda p: sequence_page(items, p, DEADLINES), 5, DEADLINES)
    assert [len(p.items) for p in pages] == [5, 5, 5, 5, 3]
    assert ids(pages) == expected(items, DEADLINES)
    assert [p.number for p in pages] == [1, 2, 3, 4, 5]
    assert pages[0].previous is None and pages[-1].next is None and not pages[-1].more
    assert all(p.more for p in pages[:-1])


def test_a_list_that_fits_one_page_has_no_links_and_an_empty_one_neither():
    only = sequence_page(cases(5), PageRequest(5), DEADLINES)
    assert (len(only.items), only.next, only.previous) == (5, None, None)
    empty = sequence_page([], PageRequest(5), DEADLINES)
    assert (empty.items, empty.next, empty.previous) == ([], None, None)


def test_previous_goes_back_to_the_same_items():
    items = cases(17)
    pages = walk(lambda p: sequence_page(items, p, DEADLINES), 4, DEADLINES)
    back = sequence_page(items, PageRequest.parse(4, pages[3].previous, DEADLINES), DEADLINES)
    assert back.items == pages[2].items and back.number == 3
    assert back.next and back.previous
    again = sequence_page(items, PageRequest.parse(4, back.next, DEADLINES), DEADLINES)
    assert again.items == pages[3].items


def test_items_added_between_pages_neither_repeat_nor_hide_the_others():
    items = cases(12)
    first = sequence_page(items, PageRequest(5), DEADLINES)
    # one due before the page's end (it belongs to page 1, now read), one after it
    items += [{"_id": "c0000a", "due_date": "2026-12-01"}, {"_id": "z", "due_date": "2026-12-03"}]
    rest = walk_from(items, first, 5)
    seen = [i["_id"] for i in first.items] + rest
    assert len(seen) == len(set(seen))
    assert set(seen) >= {i["_id"] for i in cases(12)} | {"z"}


def walk_from(items: list[dict], page: Page, limit: int) -> list[str]:
    seen = []
    while page.next:
        page = sequence_page(items, PageRequest.parse(limit, page.next, DEADLINES), DEADLINES)
        seen += [i["_id"] for i in page.items]
    return seen


def test_descending_order_pages_newest_first():
    now = datetime(2026, 12, 1, tzinfo=UTC)
    items = [{"_id": f"m{i}", "at": now - timedelta(hours=i // 2)} for i in range(9)]
    pages = walk(lambda p: sequence_page(items, p, NEWEST_FIRST), 4, NEWEST_FIRST)
    assert ids(pages) == expected(items, NEWEST_FIRST)
    assert ids(pages)[0] in ("m0", "m1")


def test_past_the_end_leads_back():
    items = cases(6)
    first = sequence_page(items, PageRequest(3), DEADLINES)
    gone = [i for i in items if i in first.items]  # the rest was taken meanwhile
    page = sequence_page(gone, PageRequest.parse(3, first.next, DEADLINES), DEADLINES)
    assert page.items == [] and page.next is None and page.previous
    back = sequence_page(gone, PageRequest.parse(3, page.previous, DEADLINES), DEADLINES)
    assert back.items == first.items


@pytest.mark.parametrize(
    "token",
    [
        "not base64 at all!",
        base64.urlsafe_b64encode(b"{not json").decode(),
        base64.urlsafe_b64encode(b"[1, 2]").decode(),
        "x" * 5000,
        "ääkkönen",
    ],
)
def test_garbage_is_not_a_cursor(token):
    with pytest.raises(BadCursor):
        Cursor.decode(token, DEADLINES)


def forged(payload: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()


def test_a_cursor_of_another_list_or_with_an_operator_is_refused():
    other = Cursor(("2026-12-01", "c1"), False, 2).encode(NEWEST_FIRST)
    with pytest.raises(BadCursor):
        Cursor.decode(other, DEADLINES)
    good = {"s": DEADLINES.fingerprint, "p": ["2026-12-01", "c1"], "b": False, "n": 2}
    assert Cursor.decode(forged(good), DEADLINES).position == ("2026-12-01", "c1")
    for bad in (
        {**good, "p": [{"$gt": ""}, "c1"]},  # an operator smuggled in as a value
        {**good, "p": ["2026-12-01"]},
        {**good, "n": 0},
        {**good, "n": "2"},
        {**good, "b": "yes"},
        {k: v for k, v in good.items() if k != "n"},
    ):
        with pytest.raises(BadCursor):
            Cursor.decode(forged(bad), DEADLINES)


def test_a_cursor_with_values_of_another_type_still_pages_without_error():
    payload = {"s": DEADLINES.fingerprint, "p": [17, True], "b": False, "n": 2}
    page = sequence_page(cases(4), PageRequest.parse(2, forged(payload), DEADLINES), DEADLINES)
    assert len(page.items) <= 2


def test_numbers_order_as_numbers_whatever_their_type_and_times_whatever_their_zone():
    sort = SortKey.of(("n", 1), ("_id", 1))
    items = [{"_id": "a", "n": Int64(10)}, {"_id": "b", "n": 11}, {"_id": "c", "n": Int64(12)}]
    first = sequence_page(items, PageRequest(2), sort)
    assert [i["_id"] for i in sequence_page(items, PageRequest.parse(2, first.next, sort), sort).items] == [
        "c"
    ]
    naive = {"s": NEWEST_FIRST.fingerprint, "p": [{"t": "2026-12-01T10:00:00"}, "m"], "b": False, "n": 2}
    aware = [{"_id": "x", "at": datetime(2026, 12, 1, 9, tzinfo=UTC)}]
    assert (
        sequence_page(aware, PageRequest.parse(2, forged(naive), NEWEST_FIRST), NEWEST_FIRST).items == aware
    )


class QueueQuery(PageQuerySchema):
    sort = DEADLINES


@pytest.fixture
def request_in():
    app = Flask("t")
    app.extensions["kernel.page_language"] = lambda: "sv"
    with app.test_request_context("/?lang=sv"):
        yield


@pytest.mark.parametrize("limit", ["0", "-1", str(MAX_LIMIT + 1), "ten", "1.5", "9" * 5000])
def test_a_bad_limit_is_refused_at_the_field_in_the_request_language(request_in, limit):
    with pytest.raises(ValidationError) as refused:
        QueueQuery().load({"limit": limit})
    assert list(refused.value.messages) == ["limit"]
    assert "heltal" in refused.value.messages["limit"][0]


def test_a_bad_cursor_is_refused_at_the_field_in_the_request_language(request_in):
    with pytest.raises(ValidationError) as refused:
        QueueQuery().load({"cursor": "garbage"})
    assert list(refused.value.messages) == ["cursor"]
    assert "Sidlänken" in refused.value.messages["cursor"][0]


def test_the_query_loads_into_a_page_request(request_in):
    token = Cursor(("2026-12-01", "c1"), False, 2).encode(DEADLINES)
    assert QueueQuery().load({}) == {"page": PageRequest()}
    assert QueueQuery().load({"limit": "7", "cursor": token})["page"].cursor.number == 2


# -- on the store ------------------------------------------------------------------------


@pytest.fixture
def collection(mongo, unique):
    coll = mongo[f"t{unique}_paging"]["items"]
    yield coll
    mongo.drop_database(f"t{unique}_paging")


def test_mongo_pages_match_the_order_with_ties_and_new_items_between_pages(collection):
    items = [{**c, "team": "a" if i % 4 else "b"} for i, c in enumerate(cases(31))]
    collection.insert_many([dict(i) for i in items])
    query = {"team": "a"}  # the list's own filter (a caller's reach) holds on every page

    def fetch(page):
        return mongo_page(collection, query, DEADLINES, page)

    pages = walk(fetch, 6, DEADLINES)
    team_a = [i for i in items if i["team"] == "a"]
    assert ids(pages) == expected(team_a, DEADLINES)
    assert all(item["team"] == "a" for page in pages for item in page.items)

    back = fetch(PageRequest.parse(6, pages[2].previous, DEADLINES))
    assert back.items == pages[1].items

    first = fetch(PageRequest(6))
    collection.insert_many(
        [
            {"_id": "c0000a", "due_date": "2026-12-01", "team": "a"},
            {"_id": "zz", "due_date": "2026-12-09", "team": "a"},
        ]
    )
    seen, page = [i["_id"] for i in first.items], first
    while page.next:
        page = fetch(PageRequest.parse(6, page.next, DEADLINES))
        seen += [i["_id"] for i in page.items]
    assert len(seen) == len(set(seen))
    assert set(seen) >= {i["_id"] for i in team_a} | {"zz"}


def test_mongo_pages_opened_and_filtered_after_reading_still_fill_each_page(collection):
    now = datetime(2026, 12, 1, tzinfo=UTC)
    collection.insert_many(
        [{"_id": f"m{i:02d}", "at": now - timedelta(minutes=i // 3), "n": i} for i in range(40)]
    )

    def opened(docs):
        return [{**d, "shown": True} for d in docs]

    def fetch(page):
        return mongo_page(collection, {}, NEWEST_FIRST, page, opened=opened, keep=lambda d: d["n"] % 3 != 0)

    pages = walk(fetch, 5, NEWEST_FIRST)
    assert [len(p.items) for p in pages[:-1]] == [5] * (len(pages) - 1)
    kept = [f"m{i:02d}" for i in range(40) if i % 3 != 0]
    assert sorted(ids(pages)) == kept and len(ids(pages)) == len(kept)
    assert all(item["shown"] for page in pages for item in page.items)
    times = [item["at"] for page in pages for item in page.items]
    assert times == sorted(times, reverse=True)
