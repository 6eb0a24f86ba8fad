"""The vouchers service's API and pages on the real MongoDB-protocol store, with demo
users signed in at the real OpenID provider; racing redemptions on the real store."""

from __future__ import annotations

import re
import threading
from collections import Counter
from datetime import date, timedelta

import pytest

from conftest import BAD_PAGE_QUERIES, KULTURSKOLAN_APPLICATION, DayClock, csrf_token
from kernel.domain.actors import Actor
from kernel.web.embedded import HEAD
from vouchers import create_app, handlers
from vouchers.bootstrap import bootstrap
from vouchers.domain import Refused
from vouchers.domain.providers import ApplyAsProvider
from vouchers.domain.redemptions import DeliveryReport
from vouchers.domain.vouchers import CITIZEN, GrantVoucher, citizen_bucket

VERA = Actor("https://login.kommun.example#vera.officer", "Vera Valfrihetshandläggare")
pytestmark = pytest.mark.integration

CITIZEN_PERSONNUMMER = "20120315-2002"  # cilla.citizen's
PROVIDER_ORG = "5560360793"  # pelle.provider's organisation


@pytest.fixture
def clock() -> DayClock:
    return DayClock(date(2026, 10, 5))


@pytest.fixture
def deps(settings_for, clock):
    return bootstrap(settings_for("vouchers"), clock=clock)


@pytest.fixture
def app(settings_for, deps):
    return create_app(settings_for("vouchers"), deps=deps)


def approved_provider(app, signed_in, org_body: dict | None = None) -> str:
    provider = signed_in(app, "provider")
    applied = provider.post(
        "/api/v1/programmes/kulturpeng/applications", json={**KULTURSKOLAN_APPLICATION, **(org_body or {})}
    )
    assert applied.status_code == 201, applied.get_json()
    provider_id = applied.get_json()["provider_id"]
    officer = signed_in(app, "voucher_officer")
    decided = officer.post(
        f"/api/v1/providers/{provider_id}/decisions",
        json={"decision": "approve", "reason": "Meets every criterion."},
    )
    assert decided.status_code == 200 and decided.get_json()["status"] == "approved"
    return provider_id


def granted_voucher(app, signed_in, **extra) -> str:
    body = {
        "programme": "kulturpeng",
        "category": "music",
        "personnummer": CITIZEN_PERSONNUMMER,
        "email": "cilla@hem.example.se",
        **extra,
    }
    response = signed_in(app, "voucher_officer").post("/api/v1/vouchers", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["voucher_id"]


def test_from_application_to_choice_delivery_payment_and_published_results(app, signed_in, clock, deps):
    provider_id = approved_provider(app, signed_in)
    assert provider_id == f"kulturpeng-{PROVIDER_ORG}"
    voucher_id = granted_voucher(app, signed_in)

    citizen = signed_in(app, "citizen")
    [mine] = citizen.get("/api/v1/my/vouchers").get_json()["items"]
    assert mine["voucher_id"] == voucher_id and mine["balance"]["units_left"] == 32
    assert mine["provider_id"] is None
    chose = citizen.post(f"/api/v1/vouchers/{voucher_id}/choice", json={"provider_id": provider_id})
    assert chose.status_code == 200 and chose.get_json()["provider_id"] == provider_id

    provider = signed_in(app, "provider")
    lesson = {"report_id": "lesson-2026-10-05", "units": 2, "delivered_on": "2026-10-05"}
    first = provider.post(f"/api/v1/vouchers/{voucher_id}/deliveries", json=lesson)
    assert first.status_code == 201 and first.get_json()["amount_ore"] == 61100
    again = provider.post(f"/api/v1/vouchers/{voucher_id}/deliveries", json=lesson)
    assert again.status_code == 200 and again.get_json() == first.get_json()
    reused = provider.post(f"/api/v1/vouchers/{voucher_id}/deliveries", json={**lesson, "units": 3})
    assert reused.status_code == 409 and "report_id" in reused.get_json()["errors"]["json"]
    too_many = provider.post(
        f"/api/v1/vouchers/{voucher_id}/deliveries", json={**lesson, "report_id": "big", "units": 31}
    )
    assert too_many.status_code == 422
    assert too_many.get_json()["errors"]["json"]["units"] == ["only 30 units are left in this period"]

    officer = signed_in(app, "voucher_officer")
    quality = officer.post(
        f"/api/v1/providers/{provider_id}/quality",
        json={"measure": "satisfaction", "value": 4.4, "period": "2026"},
    )
    assert quality.status_code == 200
    assert officer.post("/api/v1/payment-runs", json={"month": "2026-10"}).status_code == 422  # not ended yet

    clock.day = date(2026, 11, 2)
    run = officer.post("/api/v1/payment-runs", json={"month": "2026-10"})
    assert run.get_json()["payments"] == [f"{provider_id}-2026-10"]
    assert officer.post("/api/v1/payment-runs", json={"month": "2026-10"}).get_json()["payments"] == []
    [payment] = provider.get("/api/v1/payments?month=2026-10").get_json()["items"]
    assert payment["total_ore"] == 61100 and [line["report_id"] for line in payment["lines"]] == [
        lesson["report_id"]
    ]

    budget = officer.get("/api/v1/programmes/kulturpeng/budget?year=2026").get_json()
    assert budget["redeemed_ore"] == 61100 and budget["paid_ore"] == 61100

    anonymous = app.test_client()
    comparison = anonymous.get("/api/v1/programmes/kulturpeng/comparison").get_json()
    [row] = comparison["providers"]
    assert row["choosers_now"] == 1 and row["delivered_units"] == 2 and row["median_wait_days"] == 0
    assert row["quality"]["satisfaction"]["value"] == 4.4 and "contact_email" not in row
    page = anonymous.get("/programmes/kulturpeng?lang=en").get_data(as_text=True)
    assert "Kulturskolan Pelle" in page and "4.4 (2026)" in page
    profile = anonymous.get(f"/api/v1/providers/{provider_id}").get_json()
    assert "history" not in profile and "contact_email" not in profile
    assert "history" in officer.get(f"/api/v1/providers/{provider_id}").get_json()

    # the read models are rebuilt from the events to the same documents
    read = deps.read
    before = {
        name: list(read.db[name].find().sort("_id"))
        for name in ("providers", "vouchers", "redemptions", "payments")
    }
    assert read.rebuild(deps.store.read_all()) == read.db["events"].count_documents({"gap": {"$ne": True}})
    after = {name: list(read.db[name].find().sort("_id")) for name in before}
    assert after == before


def test_bad_input_is_refused_by_field_and_others_records_stay_closed(app, signed_in):
    officer = signed_in(app, "voucher_officer")
    bad = officer.post(
        "/api/v1/vouchers",
        json={
            "programme": "kulturpeng",
            "category": "music",
            "personnummer": "20120315-2003",
            "email": "x@y.se",
        },
    )
    assert bad.status_code == 422 and "personnummer" in bad.get_json()["errors"]["json"]
    too_old = officer.post(
        "/api/v1/vouchers",
        json={
            "programme": "kulturpeng",
            "category": "music",
            "personnummer": "19770707-1002",
            "email": "x@y.se",
        },
    )
    assert (
        too_old.status_code == 422 and "ages 6-19" in too_old.get_json()["errors"]["json"]["personnummer"][0]
    )
    unknown = officer.post(
        "/api/v1/vouchers",
        json={"programme": "nope", "category": "x", "personnummer": CITIZEN_PERSONNUMMER, "email": "x@y.se"},
    )
    assert unknown.status_code == 422 and "programme" in unknown.get_json()["errors"]["json"]
    assert app.extensions["vouchers.deps"].read.vouchers.count_documents({}) == 0

    other = signed_in(app, "provider").post(
        "/api/v1/programmes/kulturpeng/applications",
        json={**KULTURSKOLAN_APPLICATION, "organisation_number": "2120000142"},
    )
    assert other.status_code == 403
    assert signed_in(app, "citizen").post("/api/v1/vouchers", json={}).status_code == 403

    # a voucher of someone else is no voucher at all to the citizen
    theirs = officer.post(
        "/api/v1/vouchers",
        json={
            "programme": "kulturpeng",
            "category": "dance",
            "personnummer": "20081123-1000",
            "email": "o@y.se",
        },
    ).get_json()["voucher_id"]
    assert signed_in(app, "citizen").get(f"/api/v1/vouchers/{theirs}").status_code == 404
    assert officer.get(f"/api/v1/vouchers/{theirs}").status_code == 200


def test_racing_reports_never_redeem_beyond_the_value_or_twice(app, signed_in, deps):
    provider_id = approved_provider(app, signed_in)
    voucher_id = handlers.grant_voucher(
        deps,
        GrantVoucher("kulturpeng", "music", "201203152002", date(2012, 3, 15), "c@example.se", "sv"),
        VERA,
    )
    handlers.choose_provider(deps, voucher_id, provider_id, None, CITIZEN)
    results: list[object] = []
    start = threading.Barrier(12)

    def send(report_id: str, units: int) -> None:
        start.wait()
        try:
            results.append(
                handlers.report_delivery(
                    deps, voucher_id, DeliveryReport(provider_id, report_id, units, date(2026, 10, 5))
                )
            )
        except Refused as exc:
            results.append(exc)

    # 8 distinct reports of 5 lessons (40 > 32) and 4 copies of one more report of 1 lesson
    jobs = [(f"r{n}", 5) for n in range(8)] + [("same", 1)] * 4
    threads = [threading.Thread(target=send, args=job) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    events = list(deps.store.load(f"voucher-{voucher_id}"))
    redeemed = [e.data for e in events if e.type == "vouchers.units_redeemed"]
    units = sum(r["units"] for r in redeemed)
    assert units <= 32
    assert Counter(r["report_id"] for r in redeemed)["same"] == 1
    assert len({r["report_id"] for r in redeemed}) == len(redeemed)
    refused = [r for r in results if isinstance(r, Refused)]
    assert len(refused) == 12 - len(redeemed) - sum(
        1 for r in results if not isinstance(r, Refused) and not r.created
    )
    assert (
        sum(1 for r in redeemed if r["units"] == 5) == 6
    )  # 30 of 32 lessons: two 5-lesson reports did not fit
    doc = deps.read.voucher(voucher_id)
    assert doc["redeemed"]["whole"] == units and deps.read.redemptions.count_documents(
        {"voucher_id": voucher_id}
    ) == len(redeemed)


def test_the_citizen_sees_and_switches_on_their_own_page(app, signed_in, page_client, clock):
    first = approved_provider(app, signed_in)
    again = signed_in(app, "provider").post(
        "/api/v1/programmes/kulturpeng/applications", json=KULTURSKOLAN_APPLICATION
    )
    assert again.status_code == 409  # one application per organisation and programme
    officer = signed_in(app, "voucher_officer")
    other = officer.post(
        "/api/v1/programmes/kulturpeng/applications",
        json={
            **KULTURSKOLAN_APPLICATION,
            "name": "Föreningen Musik",
            "ownership": "non_profit",
            "organisation_number": "2120000142",
        },
    ).get_json()["provider_id"]
    officer.post(
        f"/api/v1/providers/{other}/decisions", json={"decision": "approve", "reason": "Meets the criteria."}
    )
    voucher_id = granted_voucher(app, signed_in)

    browser = page_client(app, "citizen")
    page = browser.get("/my?lang=en").get_data(as_text=True)
    assert "32 / 32 lessons" in page and "You have not chosen a provider yet." in page
    chose = browser.post(
        f"/my/vouchers/{voucher_id}/choice?lang=en",
        data={"provider_id": first, "csrf_token": csrf_token(page)},
    )
    assert chose.status_code == 302
    page = browser.get("/my?lang=en").get_data(as_text=True)
    assert "Your choice is saved." in page and "Kulturskolan Pelle" in page
    switched = browser.post(
        f"/my/vouchers/{voucher_id}/choice?lang=en",
        data={"provider_id": other, "effective_from": "2026-11-01", "csrf_token": csrf_token(page)},
    )
    assert switched.status_code == 302
    voucher = officer.get(f"/api/v1/vouchers/{voucher_id}").get_json()
    assert [t["provider_id"] for t in voucher["tenures"]] == [first, other]
    assert voucher["tenures"][0]["until"] == "2026-10-31"


def form_value(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert match, name
    return match.group(1)


def test_the_officer_and_the_provider_do_their_work_on_pages(app, signed_in, page_client, clock, deps):
    applied = signed_in(app, "provider").post(
        "/api/v1/programmes/kulturpeng/applications", json=KULTURSKOLAN_APPLICATION
    )
    provider_id = applied.get_json()["provider_id"]
    assert page_client(app, "citizen").get("/officer").status_code == 403

    officer = page_client(app, "voucher_officer")
    page = officer.get("/officer?lang=en").get_data(as_text=True)
    assert "Kulturskolan Pelle" in page and "Applied" in page and "Budget 2026" in page
    too_short = officer.post(
        f"/officer/providers/{provider_id}/decision?lang=en",
        data={"decision": "approve", "reason": "ok", "csrf_token": csrf_token(page)},
    )
    assert too_short.status_code == 422
    assert f'id="error-{provider_id}-reason"' in too_short.get_data(as_text=True)
    approved = officer.post(
        f"/officer/providers/{provider_id}/decision?lang=en",
        data={"decision": "approve", "reason": "Meets every criterion.", "csrf_token": csrf_token(page)},
    )
    assert approved.status_code == 302
    assert deps.read.provider(provider_id)["status"] == "approved"
    page = officer.get("/officer?lang=en").get_data(as_text=True)
    assert "The decision is saved." in page and '<option value="suspend">' in page

    grant = {
        "programme_category": "kulturpeng/music",
        "personnummer": "20120315-2003",  # wrong check digit
        "email": "cilla@hem.example.se",
        "language": "en",
        "csrf_token": csrf_token(page),
    }
    refused = officer.post("/officer/vouchers?lang=en", data=grant)
    said = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'id="error-grant-personnummer"' in said
    assert 'value="cilla@hem.example.se"' in said  # what was typed is kept
    assert deps.read.vouchers_of_programme("kulturpeng") == []
    granted = officer.post("/officer/vouchers?lang=en", data={**grant, "personnummer": CITIZEN_PERSONNUMMER})
    assert granted.status_code == 302
    [voucher] = deps.read.vouchers_of_programme("kulturpeng")
    assert voucher["category"] == "music" and voucher["language"] == "en"
    assert f"The voucher is granted: {voucher['_id']}" in officer.get("/officer?lang=en").get_data(
        as_text=True
    )
    chose = signed_in(app, "citizen").post(
        f"/api/v1/vouchers/{voucher['_id']}/choice", json={"provider_id": provider_id}
    )
    assert chose.status_code == 200

    # the provider reports a lesson; the same form sent twice counts once
    provider = page_client(app, "provider")
    page = provider.get("/provider?lang=en").get_data(as_text=True)
    assert voucher["_id"] in page and "32 / 32 lessons" in page
    lesson = {
        "report_id": form_value(page, "report_id"),
        "units": "1",
        "delivered_on": "2026-10-05",
        "csrf_token": csrf_token(page),
    }
    url = f"/provider/{provider_id}/vouchers/{voucher['_id']}/deliveries?lang=en"
    assert provider.post(url, data=lesson).status_code == 302
    assert "Reported: 1" in provider.get("/provider?lang=en").get_data(as_text=True)
    assert provider.post(url, data=lesson).status_code == 302
    page = provider.get("/provider?lang=en").get_data(as_text=True)
    assert "Already reported: 1" in page and "31 / 32 lessons" in page
    future = provider.post(url, data={**lesson, "report_id": "x-2", "delivered_on": "2027-01-10"})
    assert future.status_code == 422 and "field-error" in future.get_data(as_text=True)
    assert (
        provider.post(f"/provider/other/vouchers/{voucher['_id']}/deliveries", data=lesson).status_code == 404
    )

    # next month the officer runs October's payments; both see the payment
    clock.day = date(2026, 11, 2)
    page = officer.get("/officer?lang=en").get_data(as_text=True)
    assert form_value(page, "month") == "2026-10"
    paid = officer.post(
        "/officer/payment-runs?lang=en", data={"month": "2026-10", "csrf_token": csrf_token(page)}
    )
    assert paid.status_code == 302
    page = officer.get("/officer?month=2026-10&lang=en").get_data(as_text=True)
    assert "New payments: 1" in page and "305,50 kr" in page
    assert "305,50 kr" in provider.get("/provider?lang=en").get_data(as_text=True)
    bad_month = officer.post(
        "/officer/payment-runs?lang=en", data={"month": "oct", "csrf_token": csrf_token(page)}
    )
    assert bad_month.status_code == 422 and 'id="error-payments-month"' in bad_month.get_data(as_text=True)


def test_retention_erases_a_paid_voucher_after_its_last_day_and_the_retention_period(
    app, signed_in, clock, deps
):
    provider_id = approved_provider(app, signed_in)
    voucher_id = granted_voucher(app, signed_in)
    signed_in(app, "citizen").post(f"/api/v1/vouchers/{voucher_id}/choice", json={"provider_id": provider_id})
    lesson = {"report_id": "lesson-1", "units": 1, "delivered_on": "2026-10-05"}
    assert (
        signed_in(app, "provider").post(f"/api/v1/vouchers/{voucher_id}/deliveries", json=lesson).status_code
        == 201
    )
    subject_id = deps.read.voucher(voucher_id)["subject_id"]
    last_day = date.fromisoformat(deps.read.voucher(voucher_id)["valid_until"])

    clock.day = last_day + timedelta(days=deps.settings.retention_days + 1)
    assert handlers.erase_expired(deps) == []  # the lesson is not paid yet: its citizen may still be needed
    handlers.run_payments(deps, "2026-10")
    assert handlers.erase_expired(deps) == [voucher_id]
    assert handlers.erase_expired(deps) == []  # once

    doc = deps.read.voucher(voucher_id)
    assert doc["citizen_bucket"] is doc["citizen_match"] is None
    assert doc["personal_erased_on"] == clock.day.isoformat()
    assert deps.personal.vault.erased_at(subject_id) is not None
    [granted] = [e for e in deps.store.load(f"voucher-{voucher_id}") if e.type == "vouchers.voucher_granted"]
    assert granted.data["personal"] is None  # sealed with a key that is gone
    [chosen] = [e for e in deps.store.load(f"voucher-{voucher_id}") if e.type == "vouchers.provider_chosen"]
    assert chosen.data["chosen_by"] == "citizen"  # the citizen chose: the event names no one
    assert signed_in(app, "citizen").get("/api/v1/my/vouchers").get_json()["items"] == []
    officer = signed_in(app, "voucher_officer").get(f"/api/v1/vouchers/{voucher_id}").get_json()
    assert officer["history"][-1]["what"] == "erased" and officer["balance"]["units_used"] == 1
    delivered = app.test_client().get("/api/v1/programmes/kulturpeng/comparison").get_json()["providers"]
    assert [row["delivered_units"] for row in delivered] == [1]  # the figures stay


def personnummer_in_the_bucket_of(personnummer: str, secret: bytes) -> str:
    """Another valid personnummer (born 2012, as the programme's ages allow) in the same bucket."""
    from stdnum import luhn

    bucket = citizen_bucket(personnummer, secret)
    for serial in range(100_000):
        ten = f"1204{serial % 28 + 1:02d}{serial // 28:03d}"
        other = f"20{ten}{luhn.calc_check_digit(ten)}"
        if other != personnummer and citizen_bucket(other, secret) == bucket:
            return other
    raise AssertionError("no personnummer in the bucket")


def test_a_citizen_finds_only_their_own_vouchers_in_a_bucket_they_share(app, signed_in, deps):
    """The clear bucket only narrows the search: each candidate is matched by a hash keyed
    with its own citizen's data key, so a neighbour in the bucket is never shown."""
    mine = granted_voucher(app, signed_in)
    neighbour = personnummer_in_the_bucket_of("201203152002", deps.citizen_secret)
    theirs = granted_voucher(app, signed_in, personnummer=neighbour, email="n@hem.example.se")
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
    app, signed_in, page_client, deps
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

    mine = [granted_voucher(app, signed_in, category=c) for c in ("music", "dance", "theatre")]
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
def decided_provider(app, signed_in, deps):
    """Pelle's provider, with more decisions than a provider's record carries."""
    provider_id = approved_provider(app, signed_in)
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


def test_a_voucher_carries_its_history_and_tenures_and_pages_them(app, signed_in, deps, clock):
    first = approved_provider(app, signed_in)
    second = handlers.apply_as_provider(
        deps,
        ApplyAsProvider(
            "kulturpeng", organisation(7), "Musik i Bo", "private", ["music"], "b@x.se", "Lessons."
        ),
    )
    handlers.decide_on_provider(deps, second, "approve", "Meets every criterion.", VERA)
    voucher_id = granted_voucher(app, signed_in)
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
def test_a_bad_cursor_or_limit_is_refused_at_the_field(app, signed_in, query, field):
    provider_id = approved_provider(app, signed_in)
    voucher_id = granted_voucher(app, signed_in)
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


def test_each_reads_only_the_lists_it_may(app, signed_in, deps):
    own = approved_provider(app, signed_in)
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

    mine = granted_voucher(app, signed_in)
    neighbour = personnummer_in_the_bucket_of("201203152002", deps.citizen_secret)
    other = granted_voucher(app, signed_in, personnummer=neighbour, email="n@hem.example.se")
    citizen = signed_in(app, "citizen")
    for name in ("history", "tenures"):
        assert citizen.get(f"/api/v1/vouchers/{mine}/{name}").status_code == 200
        assert citizen.get(f"/api/v1/vouchers/{other}/{name}").status_code == 404
        assert provider.get(f"/api/v1/vouchers/{mine}/{name}").status_code == 403


def test_the_citizen_pages_through_a_vouchers_history_newest_first(app, signed_in, page_client, deps):
    provider_id = approved_provider(app, signed_in)
    voucher_id = granted_voucher(app, signed_in)
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
    assert re.findall(r"(\d) lessons \(2026-10-05\)", first) == ["4", "3", "2", "1"]
    older = re.search(r'<a href="([^"]+)" rel="next">Older entries</a>', first).group(1).replace("&amp;", "&")
    second = browser.get(older).get_data(as_text=True)
    assert "Granted" in second and '<span aria-current="page">Page 2</span>' in second
    assert re.search(r'<a href="[^"]+" rel="prev">Newer entries</a>', second)

    refused = browser.get(f"/my/vouchers/{voucher_id}/history?cursor=garbage&lang=en")
    assert refused.status_code == 422 and 'id="paging-error"' in refused.get_data(as_text=True)
    neighbour = personnummer_in_the_bucket_of("201203152002", deps.citizen_secret)
    theirs = granted_voucher(app, signed_in, personnummer=neighbour, email="n@hem.example.se")
    assert browser.get(f"/my/vouchers/{theirs}/history").status_code == 404
