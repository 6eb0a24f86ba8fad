"""A tracking view's history pages like every other list: the view carries the newest
entries and a link to the older ones, and `/history` serves them all, newest first."""

from __future__ import annotations

import pytest

from conftest import BAD_PAGE_QUERIES, kafe_solsidan_inquiry

pytestmark = pytest.mark.integration

# the demo applicant's organisation: their "my cases" reaches it
INQUIRY = kafe_solsidan_inquiry(organisation_number="5567037485", company="Krogen vid Kajen AB")


def a_long_history(app, entries: int) -> tuple[str, str]:
    """An inquiry whose tracking view has `entries` history entries in all."""
    receipt = app.test_client().post("/api/v1/inquiries", json=INQUIRY).get_json()
    inquiry_id = receipt["inquiry_id"]
    [first] = app.db["tracking"].find_one({"_id": inquiry_id})["history"]
    more = [{**first, "status": "registered", "key": "history.registered"} for _ in range(entries - 1)]
    app.db["tracking"].update_one({"_id": inquiry_id}, {"$push": {"history": {"$each": more}}})
    return inquiry_id, receipt["tracking_url"].rsplit("/", 1)[1]


def walk(client, url: str) -> list[int]:  # type: ignore[no-untyped-def]
    seen = []
    while url:
        page = client.get(url)
        assert page.status_code == 200, page.get_data(as_text=True)
        body = page.get_json()
        seen += [entry["seq"] for entry in body["items"]]
        url = body["next"]
    return seen


def test_the_view_carries_the_newest_fifty_and_the_link_to_the_rest(app):
    _, token = a_long_history(app, 55)
    client = app.test_client()
    view = client.get(f"/api/v1/inquiries/track/{token}").get_json()
    assert view["history_total"] == 55
    assert [e["seq"] for e in view["history"]] == list(range(6, 56))  # in the order they happened
    assert view["history"][0]["status"] == "registered"
    older = client.get(view["history_older"]).get_json()
    assert [e["seq"] for e in older["items"]] == [5, 4, 3, 2, 1] and not older["more"]


def test_the_history_pages_newest_first_every_entry_once_both_ways(app):
    _, token = a_long_history(app, 23)
    client = app.test_client()
    assert walk(client, f"/api/v1/inquiries/track/{token}/history?limit=10") == list(range(23, 0, -1))
    last = client.get(f"/api/v1/inquiries/track/{token}/history?limit=10").get_json()
    second = client.get(last["next"]).get_json()
    back = client.get(second["previous"]).get_json()
    assert [e["seq"] for e in back["items"]] == list(range(23, 13, -1))


def test_a_short_history_has_no_older_link(app):
    _, token = a_long_history(app, 3)
    view = app.test_client().get(f"/api/v1/inquiries/track/{token}").get_json()
    assert view["history_total"] == 3 and view["history_older"] is None


@pytest.mark.parametrize(("query", "field"), BAD_PAGE_QUERIES)
def test_a_bad_cursor_or_limit_is_refused_at_the_field(app, query, field):
    _, token = a_long_history(app, 3)
    response = app.test_client().get(f"/api/v1/inquiries/track/{token}/history?{query}")
    assert response.status_code == 422
    assert field in response.get_json()["errors"]["query"]


def test_an_unknown_token_is_404_and_another_organisations_case_is_404_for_an_applicant(app, signed_in):
    client = app.test_client()
    assert client.get("/api/v1/inquiries/track/no-such-token/history").status_code == 404
    own_id, _ = a_long_history(app, 60)
    other = client.post("/api/v1/inquiries", json={**INQUIRY, "organisation_number": "556036-0793"})
    anna = signed_in(app, "applicant")
    mine = anna.get(f"/api/v1/my/inquiries/{own_id}").get_json()
    assert mine["history_total"] == 60 and mine["history_older"]
    assert walk(anna, f"/api/v1/my/inquiries/{own_id}/history?limit=25") == list(range(60, 0, -1))
    assert anna.get(f"/api/v1/my/inquiries/{other.get_json()['inquiry_id']}/history").status_code == 404
    assert client.get(f"/api/v1/my/inquiries/{own_id}/history").status_code == 401
