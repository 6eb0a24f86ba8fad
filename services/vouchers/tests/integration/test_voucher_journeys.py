"""The vouchers service's API on the real store, with demo users signed in at the real
OpenID provider: a voucher from application to payment and erasure, bad input, racing
redemptions."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import date, timedelta

import pytest

from conftest import CITIZEN_PERSONNUMMER, KULTURSKOLAN_APPLICATION, PROVIDER_ORG, VOUCHER_OFFICER_VERA
from kernel.domain.actors import Actor
from vouchers import handlers
from vouchers.domain import Refused
from vouchers.domain.redemptions import DeliveryReport
from vouchers.domain.vouchers import CITIZEN, GrantVoucher

VERA = Actor(*VOUCHER_OFFICER_VERA)
pytestmark = pytest.mark.integration


def test_from_application_to_choice_delivery_payment_and_published_results(
    app, signed_in, clock, deps, approved_provider, granted_voucher
):
    provider_id = approved_provider()
    assert provider_id == f"kulturpeng-{PROVIDER_ORG}"
    voucher_id = granted_voucher()

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


def test_racing_reports_never_redeem_beyond_the_value_or_twice(app, signed_in, deps, approved_provider):
    provider_id = approved_provider()
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


def test_retention_erases_a_paid_voucher_after_its_last_day_and_the_retention_period(
    app, signed_in, clock, deps, approved_provider, granted_voucher
):
    provider_id = approved_provider()
    voucher_id = granted_voucher(name="Cilla-Maj Citizen")
    assert deps.read.voucher(voucher_id)["holder_initials"] == "C.-M. C."  # what a provider may see
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
    assert doc["citizen_bucket"] is doc["citizen_match"] is doc["holder_initials"] is None
    assert "Cilla" not in str(doc)
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
