"""The vouchers service's read models rebuilt from its events equal the ones kept by the
append hook, on the real store, and so do the published results computed from them: a
provider approved, vouchers granted (one in an old event version), chosen, redeemed (a
report sent twice), a switch scheduled and cancelled, paid, a citizen erased; rebuilt
over the live models, from scratch, twice, and while a delivery report races the rebuild."""

from __future__ import annotations

import threading
import uuid
from datetime import date

import pytest

from conftest import KULTURSKOLAN_APPLICATION, DayClock
from kernel.eventsourcing.contracts import golden_example
from kernel.eventsourcing.envelope import Envelope
from vouchers import create_app, handlers
from vouchers.bootstrap import bootstrap
from vouchers.domain.redemptions import DeliveryReport
from vouchers.readmodels.projections import COLLECTIONS
from vouchers.readmodels.published import published_figures
from vouchers.readmodels.rebuild import rebuild

pytestmark = pytest.mark.integration


@pytest.fixture
def service(settings_for):
    clock = DayClock(date(2026, 11, 5))
    settings = settings_for("vouchers")
    deps = bootstrap(settings, clock=clock)
    return settings, deps, create_app(settings, deps=deps), clock


def documents(deps) -> dict:
    return {name: {d["_id"]: d for d in deps.read.db[name].find()} for name in COLLECTIONS}


def comparison(deps) -> dict:
    return published_figures(deps, max_age_s=0).comparison("kulturpeng")


def a_programme_in_use(app, signed_in, deps, clock) -> list[str]:
    provider, officer, citizen = (signed_in(app, r) for r in ("provider", "voucher_officer", "citizen"))
    applied = provider.post("/api/v1/programmes/kulturpeng/applications", json=KULTURSKOLAN_APPLICATION)
    provider_id = applied.get_json()["provider_id"]
    decision = {"decision": "approve", "reason": "Meets every criterion."}
    assert officer.post(f"/api/v1/providers/{provider_id}/decisions", json=decision).status_code == 200
    grant = {"programme": "kulturpeng", "category": "music", "email": "cilla@hem.example.se"}
    vouchers = [
        officer.post("/api/v1/vouchers", json={**grant, "personnummer": number}).get_json()["voucher_id"]
        for number in ("20120315-2002", "20140605-2009")
    ]
    chosen = citizen.post(f"/api/v1/vouchers/{vouchers[0]}/choice", json={"provider_id": provider_id})
    assert chosen.status_code == 200
    lesson = {"report_id": "lesson-1", "units": 2, "delivered_on": "2026-11-05"}
    for _ in range(2):  # the second is the same report again: redeemed once
        assert provider.post(f"/api/v1/vouchers/{vouchers[0]}/deliveries", json=lesson).status_code in (
            200,
            201,
        )

    # a switch to another provider, scheduled and cancelled before its day
    other = {**KULTURSKOLAN_APPLICATION, "name": "Föreningen Musik", "organisation_number": "2120000142"}
    applied = officer.post("/api/v1/programmes/kulturpeng/applications", json=other)
    other_id = applied.get_json()["provider_id"]
    assert officer.post(f"/api/v1/providers/{other_id}/decisions", json=decision).status_code == 200
    switch = {"provider_id": other_id, "effective_from": "2026-11-20"}
    assert citizen.post(f"/api/v1/vouchers/{vouchers[0]}/choice", json=switch).status_code == 200
    assert citizen.delete(f"/api/v1/vouchers/{vouchers[0]}/choice/switch").status_code == 200

    # a grant written long ago, in its first version (read through the upcaster)
    old = golden_example("vouchers.voucher_granted", 1)
    old_id = str(uuid.uuid4())
    old.update(event_id=str(uuid.uuid4()), stream_id=f"voucher-{old_id}")
    old["data"].update(voucher_id=old_id, subject_id=str(uuid.uuid4()))
    deps.store.import_events([Envelope.from_dict(old)])
    deps.read.apply(deps.store.load(f"voucher-{old_id}"), None)  # as its writer's hook did

    clock.day = date(2026, 12, 2)
    run = officer.post("/api/v1/payment-runs", json={"month": "2026-11"})
    assert run.status_code == 200 and run.get_json()["payments"], run.get_json()
    clock.day = date(2028, 1, 10)  # the second voucher ran out long ago, with nothing to pay
    assert handlers.erase_personal_data(deps, vouchers[1], "retention")
    clock.day = date(2026, 12, 2)
    return [*vouchers, old_id]


def test_the_rebuilt_read_models_and_published_results_equal_the_incremental_ones(service, signed_in):
    settings, deps, app, clock = service
    vouchers = a_programme_in_use(app, signed_in, deps, clock)
    incremental, published = documents(deps), comparison(deps)
    assert incremental["vouchers"][vouchers[1]]["citizen_match"] is None  # erased
    assert incremental["vouchers"][vouchers[0]]["citizen_match"] and incremental["payments"]
    assert [r["paid_in"] for r in incremental["redemptions"].values()] != [None]

    result = rebuild(settings, deps=deps)
    assert {m["model"]: m["changed"] + m["removed"] for m in result["models"]} == {
        f"vouchers.{name}": 0 for name in COLLECTIONS
    }
    assert documents(deps) == incremental and comparison(deps) == published

    deps.read.vouchers.update_one({"_id": vouchers[0]}, {"$set": {"redeemed_ore": 1}})
    checked = {m["model"]: m for m in rebuild(settings, deps=deps, check=True)["models"]}
    assert checked["vouchers.vouchers"]["changed"] == 1
    assert checked["vouchers.vouchers"]["details"]["differing"] == [vouchers[0]]
    assert deps.read.voucher(vouchers[0])["redeemed_ore"] == 1  # only compared

    for name in COLLECTIONS:
        deps.read.db[name].drop()
    deps.read.published.delete_many({})
    result = rebuild(settings, deps=deps)
    assert sum(m["changed"] for m in result["models"]) == sum(len(d) for d in incremental.values())
    assert documents(deps) == incremental and comparison(deps) == published
    assert sum(m["changed"] for m in rebuild(settings, deps=deps)["models"]) == 0  # idempotent


def test_delivery_reports_racing_the_rebuild_are_redeemed_once_each(service, signed_in):
    """The reports start while the rebuild's transaction holds the emptied read models: their
    appends conflict and are retried after it commits, on top of the rebuilt documents."""
    settings, deps, app, clock = service
    vouchers = a_programme_in_use(app, signed_in, deps, clock)
    provider_id = deps.read.voucher(vouchers[0])["tenures"][0]["provider_id"]
    results, racers = [], []

    def report(n: int) -> None:
        report = DeliveryReport(provider_id, f"race-{n}", 1, date(2026, 12, 1))
        results.append(handlers.report_delivery(deps, vouchers[0], report))

    read_all = deps.store.read_all

    def read_all_while_reports_come_in(*args, **kwargs):
        events = list(read_all(*args, **kwargs))
        if not racers:
            racers.extend(threading.Thread(target=report, args=(n,)) for n in range(3))
            for racer in racers:
                racer.start()
        return events

    deps.store.read_all = read_all_while_reports_come_in
    rebuild(settings, deps=deps)
    for racer in racers:
        racer.join()
    assert len(results) == 3
    after = documents(deps)
    raced = [r for r in after["redemptions"].values() if r["report_id"].startswith("race-")]
    assert sorted(r["report_id"] for r in raced) == ["race-0", "race-1", "race-2"]
    assert after["vouchers"][vouchers[0]]["redeemed_ore"] == sum(
        r["amount_ore"] for r in after["redemptions"].values() if r["voucher_id"] == vouchers[0]
    )
    deps.store.read_all = read_all
    assert sum(m["changed"] for m in rebuild(settings, deps=deps)["models"]) == 0
    assert documents(deps) == after
