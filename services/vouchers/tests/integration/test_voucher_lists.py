"""The vouchers service's lists on the real store: the citizen's bucket, the lists' pages and
histories, their cursors and who may read which."""

from __future__ import annotations

import re
from datetime import date

import pytest

from conftest import BAD_PAGE_QUERIES, PROVIDER_ORG, VOUCHER_OFFICER_VERA
from kernel.domain.actors import Actor
from kernel.web.embedded import HEAD
from vouchers import handlers
from vouchers.domain.providers import ApplyAsProvider
from vouchers.domain.redemptions import DeliveryReport

VERA = Actor(*VOUCHER_OFFICER_VERA)
pytestmark = pytest.mark.integration


def test_a_citizen_finds_only_their_own_vouchers_in_a_bucket_they_share(
    app, signed_in, deps, granted_voucher, personnummer_in_the_bucket_of
):
    """The clear bucket only narrows the search: each candidate is matched by a hash keyed
    with its own citizen's data key, so a neighbour in the bucket is never shown."""
    mine = granted_voucher()
    neighbour = personnummer_in_the_bucket_of("201203152002", deps.citizen_secret)
    theirs = granted_voucher(personnummer=neighbour, email="n@hem.example.se")
    docs = [deps.read.voucher(mine), deps.read.voucher(theirs)]
    assert docs[0]["citizen_bucket"] == docs[1]["citizen_bucket"]
    assert docs[0]["citizen_match"] != docs[1]["citizen_match"]
    citizen = signed_in(app, "citizen")
    assert [v["voucher_id"] for v in citizen.get("/api/v1/my/vouchers").get_json()["items"]] == [mine]
    assert citizen.get(f"/api/v1/vouchers/{theirs}").status_code == 404
    chose = citizen.post(f"/api/v1/vouchers/{theirs}/choice", json={"provider_id": "kulturpeng-5560360793"})
    assert chose.status_code == 404


def organisation(n: int) -> str:
    from stdnum import luhn

    stem = f"55603{n:04d}"
    return stem + luhn.calc_check_digit(stem)


def walk(client, url: str) -> list[dict]:
    pages = [client.get(url)]
    while pages[-1].get_json().get("next"):
        assert pages[-1].status_code == 200, pages[-1].get_json()
        pages.append(client.get(pages[-1].get_json()["next"]))
        assert len(pages) < 20
    assert pages[-1].status_code == 200, pages[-1].get_json()
    return [p.get_json() for p in pages]


def test_the_lists_page_in_their_order_and_the_officers_page_links_each_lists_pages(
    app, signed_in, page_client, deps, granted_voucher
):
    from vouchers.domain.providers import ApplyAsProvider

    names = ["Örebro musik", "Ateljé Bo", "Dans i Nacka", "Bo musik", "Cello AB"]
    ids = []
    for n, name in enumerate(names):
        command = ApplyAsProvider(
            "kulturpeng", organisation(n), name, "private", ["music"], f"s{n}@x.se", "Lessons for children."
        )
        ids.append(handlers.apply_as_provider(deps, command))
    for provider_id in ids[:4]:  # the fifth stays an application: never on the citizens' list
        handlers.decide_on_provider(deps, provider_id, "approve", "Meets every criterion.", VERA)

    anyone = app.test_client()
    pages = walk(anyone, "/api/v1/programmes/kulturpeng/providers?limit=2")
    assert [len(p["items"]) for p in pages] == [2, 2] and not pages[-1]["more"]
    assert [p["name"] for page in pages for p in page["items"]] == sorted(names[:4])
    programmes = walk(anyone, "/api/v1/programmes?limit=1")
    assert [p["items"][0]["id"] for p in programmes] == sorted(p.id for p in deps.programmes)

    mine = [granted_voucher(category=c) for c in ("music", "dance", "theatre")]
    citizen = signed_in(app, "citizen")
    vouchers = walk(citizen, "/api/v1/my/vouchers?limit=2")
    assert sorted(v["voucher_id"] for p in vouchers for v in p["items"]) == sorted(mine)
    assert [len(p["items"]) for p in vouchers] == [2, 1]

    refused = citizen.get("/api/v1/my/vouchers?cursor=" + pages[0]["next"].split("cursor=")[1])
    assert refused.status_code == 422 and list(refused.get_json()["errors"]["query"]) == ["cursor"]
    assert anyone.get("/api/v1/programmes?limit=0").status_code == 422

    officer = page_client(app, "voucher_officer")
    first = officer.get("/officer?limit=2&lang=sv").get_data(as_text=True)
    nav = re.search(r'<nav class="pager" aria-label="Sidor: [^"]*Kulturpeng[^"]*">(.*?)</nav>', first, re.S)
    assert nav and '<span aria-current="page">Sida 1</span>' in nav.group(1)
    link = (
        re.search(r'<a href="([^"]+)" rel="next">Nästa sida</a>', nav.group(1)).group(1).replace("&amp;", "&")
    )
    assert "providers_kulturpeng=" in link
    second = officer.get(link).get_data(as_text=True)
    shown = set(re.findall(r'data-provider="(kulturpeng-[^"]+)"', first)) | set(
        re.findall(r'data-provider="(kulturpeng-[^"]+)"', second)
    )
    assert len(set(re.findall(r'data-provider="(kulturpeng-[^"]+)"', second))) == 2
    assert shown <= set(ids) and len(shown) == 4
    bad = officer.get("/officer?providers_kulturpeng=junk&lang=sv")
    assert bad.status_code == 422 and 'id="paging-error">Sidlänken' in bad.get_data(as_text=True)


# -- the lists embedded in one resource page like every other list: the resource carries the
# newest entries with their count and the link to the older ones, the lists page newest first,
# bad cursors and limits refused at their field, each read only by who may read the resource

DECISIONS = HEAD + 6  # suspensions and reinstatements after the approval


@pytest.fixture
def decided_provider(app, signed_in, deps, approved_provider):
    """Pelle's provider, with more decisions than a provider's record carries."""
    provider_id = approved_provider()
    for n in range(DECISIONS):
        decision = "suspend" if n % 2 == 0 else "reinstate"
        handlers.decide_on_provider(deps, provider_id, decision, f"Beslut {n}", VERA)
    return provider_id


def test_a_provider_carries_its_newest_decisions_and_links_the_older_ones(decided_provider, signed_in, app):
    total = DECISIONS + 2  # applied, approved, then the decisions
    officer = signed_in(app, "voucher_officer")
    record = officer.get(f"/api/v1/providers/{decided_provider}").get_json()
    assert record["history_total"] == total and len(record["history"]) == HEAD
    # the newest, in the order they happened: the last is the latest, as before
    assert record["history"][-1] == {
        "seq": total,
        "on": "2026-10-05",
        "status": "approved",
        "reason": "Beslut 55",
    }
    assert [h["seq"] for h in record["history"]] == list(range(total - HEAD + 1, total + 1))
    older = officer.get(record["history_older"]).get_json()
    assert [h["seq"] for h in older["items"]] == list(range(total - HEAD, 0, -1))
    assert older["items"][-1]["status"] == "applied" and older["next"] is None and older["previous"]

    # the public profile has no history, nor its count or link
    profile = app.test_client().get(f"/api/v1/providers/{decided_provider}").get_json()
    assert not {"history", "history_total", "history_older"} & set(profile)


def test_a_providers_history_pages_newest_first_every_entry_once_and_back(decided_provider, signed_in, app):
    provider = signed_in(app, "provider")  # its own
    pages = walk(provider, f"/api/v1/providers/{decided_provider}/history?limit=25")
    assert [len(p["items"]) for p in pages] == [25, 25, 8]
    assert [h["seq"] for p in pages for h in p["items"]] == list(range(DECISIONS + 2, 0, -1))
    assert pages[0]["previous"] is None and "limit=25" in pages[0]["next"]
    back = provider.get(pages[2]["previous"]).get_json()
    assert back["items"] == pages[1]["items"]
    assert provider.get(back["previous"]).get_json()["items"] == pages[0]["items"]


def test_a_voucher_carries_its_history_and_tenures_and_pages_them(
    app, signed_in, deps, clock, approved_provider, granted_voucher
):
    first = approved_provider()
    second = handlers.apply_as_provider(
        deps,
        ApplyAsProvider(
            "kulturpeng", organisation(7), "Musik i Bo", "private", ["music"], "b@x.se", "Lessons."
        ),
    )
    handlers.decide_on_provider(deps, second, "approve", "Meets every criterion.", VERA)
    voucher_id = granted_voucher()
    citizen = signed_in(app, "citizen")
    assert (
        citizen.post(f"/api/v1/vouchers/{voucher_id}/choice", json={"provider_id": first}).status_code == 200
    )
    for n in range(1, 6):
        report = DeliveryReport(first, f"lesson-{n}", 1, date(2026, 10, 5))
        handlers.report_delivery(deps, voucher_id, report)
    switched = citizen.post(
        f"/api/v1/vouchers/{voucher_id}/choice", json={"provider_id": second, "effective_from": "2026-10-06"}
    ).get_json()
    # granted, chosen, five deliveries, switched: all of them carried, no link to more
    assert switched["history_total"] == 8 and switched["history_older"] is None
    assert [h["what"] for h in switched["history"]] == ["granted", "chosen", *["delivered"] * 5, "switched"]
    assert switched["tenures_total"] == 2 and switched["tenures_older"] is None
    assert [t["provider_id"] for t in switched["tenures"]] == [first, second]

    pages = walk(citizen, f"/api/v1/vouchers/{voucher_id}/history?limit=3")
    assert [len(p["items"]) for p in pages] == [3, 3, 2]
    assert [h["seq"] for p in pages for h in p["items"]] == list(range(8, 0, -1))
    assert pages[0]["items"][0]["what"] == "switched" and pages[2]["items"][-1]["what"] == "granted"
    assert citizen.get(pages[2]["previous"]).get_json()["items"] == pages[1]["items"]
    assert citizen.get(pages[1]["previous"]).get_json()["items"] == pages[0]["items"]

    tenures = walk(signed_in(app, "voucher_officer"), f"/api/v1/vouchers/{voucher_id}/tenures?limit=1")
    assert [p["items"][0]["provider_id"] for p in tenures] == [second, first]
    assert tenures[1]["items"][0]["until"] == "2026-10-05"


@pytest.mark.parametrize(
    ("query", "field"),
    BAD_PAGE_QUERIES,
)
def test_a_bad_cursor_or_limit_is_refused_at_the_field(
    app, signed_in, query, field, approved_provider, granted_voucher
):
    provider_id = approved_provider()
    voucher_id = granted_voucher()
    officer = signed_in(app, "voucher_officer")
    for url in (
        f"/api/v1/providers/{provider_id}/history",
        f"/api/v1/vouchers/{voucher_id}/history",
        f"/api/v1/vouchers/{voucher_id}/tenures",
    ):
        refused = officer.get(f"{url}?{query}")
        assert refused.status_code == 422, url
        assert list(refused.get_json()["errors"]["query"]) == [field], url


def test_another_lists_cursor_is_refused_and_an_unknown_resource_is_404(app, signed_in, deps):
    for n, name in enumerate(["Ateljé Bo", "Bo musik"]):
        command = ApplyAsProvider(
            "kulturpeng", organisation(n), name, "private", ["music"], f"{n}@x.se", "Lessons."
        )
        handlers.decide_on_provider(deps, handlers.apply_as_provider(deps, command), "approve", "Ok.", VERA)
    listing = app.test_client().get("/api/v1/programmes/kulturpeng/providers?limit=1").get_json()
    cursor = re.search(r"cursor=([^&]+)", listing["next"]).group(1)
    officer = signed_in(app, "voucher_officer")
    provider_id = listing["items"][0]["provider_id"]
    assert officer.get(f"/api/v1/providers/{provider_id}/history?cursor={cursor}").status_code == 422
    assert officer.get("/api/v1/providers/kulturpeng-5560000000/history").status_code == 404
    assert officer.get("/api/v1/vouchers/no-such-voucher/history").status_code == 404
    assert officer.get("/api/v1/vouchers/no-such-voucher/tenures").status_code == 404


def test_each_reads_only_the_lists_it_may(
    app, signed_in, deps, approved_provider, granted_voucher, personnummer_in_the_bucket_of
):
    own = approved_provider()
    assert own.endswith(PROVIDER_ORG)
    command = ApplyAsProvider(
        "kulturpeng", organisation(3), "Cello AB", "private", ["music"], "c@x.se", "Lessons."
    )
    theirs = handlers.apply_as_provider(deps, command)
    handlers.decide_on_provider(deps, theirs, "approve", "Meets every criterion.", VERA)

    provider = signed_in(app, "provider")
    assert provider.get(f"/api/v1/providers/{own}/history").status_code == 200
    # another provider's decisions are not told apart from none; its public profile stays public
    assert provider.get(f"/api/v1/providers/{theirs}/history").status_code == 404
    assert "history" not in provider.get(f"/api/v1/providers/{theirs}").get_json()
    assert signed_in(app, "voucher_officer").get(f"/api/v1/providers/{theirs}/history").status_code == 200
    assert signed_in(app, "citizen").get(f"/api/v1/providers/{own}/history").status_code == 403
    assert app.test_client().get(f"/api/v1/providers/{own}/history").status_code == 401

    mine = granted_voucher()
    neighbour = personnummer_in_the_bucket_of("201203152002", deps.citizen_secret)
    other = granted_voucher(personnummer=neighbour, email="n@hem.example.se")
    citizen = signed_in(app, "citizen")
    for name in ("history", "tenures"):
        assert citizen.get(f"/api/v1/vouchers/{mine}/{name}").status_code == 200
        assert citizen.get(f"/api/v1/vouchers/{other}/{name}").status_code == 404
        assert provider.get(f"/api/v1/vouchers/{mine}/{name}").status_code == 403


def test_the_citizen_pages_through_a_vouchers_history_newest_first(
    app, signed_in, page_client, deps, approved_provider, granted_voucher, personnummer_in_the_bucket_of
):
    provider_id = approved_provider()
    voucher_id = granted_voucher()
    handlers.choose_provider(deps, voucher_id, provider_id, None, VERA)
    for n in range(1, 5):
        handlers.report_delivery(
            deps, voucher_id, DeliveryReport(provider_id, f"lesson-{n}", n, date(2026, 10, 5))
        )
    browser = page_client(app, "citizen")
    my = browser.get("/my?lang=en").get_data(as_text=True)
    assert 'class="older"' not in my  # all six entries are on the voucher's card

    first = browser.get(f"/my/vouchers/{voucher_id}/history?lang=en&limit=4").get_data(as_text=True)
    assert "Newest first, 6 in all." in first and '<ol class="history" reversed start="6"' in first
    assert re.findall(r"(\d) lessons? \(5 Oct 2026\)", first) == ["4", "3", "2", "1"]
    older = re.search(r'<a href="([^"]+)" rel="next">Older entries</a>', first).group(1).replace("&amp;", "&")
    second = browser.get(older).get_data(as_text=True)
    assert "Granted" in second and '<span aria-current="page">Page 2</span>' in second
    assert re.search(r'<a href="[^"]+" rel="prev">Newer entries</a>', second)

    refused = browser.get(f"/my/vouchers/{voucher_id}/history?cursor=garbage&lang=en")
    assert refused.status_code == 422 and 'id="paging-error"' in refused.get_data(as_text=True)
    neighbour = personnummer_in_the_bucket_of("201203152002", deps.citizen_secret)
    theirs = granted_voucher(personnummer=neighbour, email="n@hem.example.se")
    assert browser.get(f"/my/vouchers/{theirs}/history").status_code == 404
