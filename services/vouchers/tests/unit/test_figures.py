"""The published figures at period boundaries and across switches (scheduled, done and
cancelled): a provider's units delivered are never more than the units it was granted."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from catalogue.programmes import load
from kernel.eventsourcing.envelope import Metadata, seal
from kernel.platform.settings import REPO_ROOT
from vouchers.domain import figures as fig
from vouchers.domain import vouchers as vou
from vouchers.domain.providers import Provider
from vouchers.domain.voucher_state import Voucher
from vouchers.domain.vouchers import CITIZEN, GrantVoucher

PROGRAMMES = load(REPO_ROOT / "config" / "voucher_programmes.yaml")
PROGRAMME = PROGRAMMES.get("kulturpeng")
PROVIDERS = [
    {"_id": p, "name": p.upper(), "ownership": "private", "status": "approved", "categories": ["x"]}
    for p in ("a", "b")
]


def voucher(period: str, *tenures: tuple[str, str, str | None, str], units: int = 32) -> dict[str, Any]:
    return {
        "_id": "v",
        "period": period,
        "units_per_period": units,
        "valid_from": "2026-01-01",
        "valid_until": "2026-12-31",
        "tenures": [{"provider_id": p, "since": s, "until": u, "how": h} for p, s, u, h in tenures],
    }


def rows(v: dict[str, Any], deliveries: dict, today: date) -> dict[str, dict[str, Any]]:
    figures = fig.comparison(PROGRAMME, PROVIDERS, [v], deliveries, today)
    out = {r["provider_id"]: r for r in figures["providers"]}
    for row in out.values():
        assert row["delivered_units"] <= row["granted_units"] or row["granted_units"] == 0
    return out


def test_a_switch_scheduled_for_a_later_day_leaves_the_whole_voucher_with_its_provider():
    before = voucher("whole", ("a", "2026-01-01", None, "chosen"))
    delivered = {("v", "a"): {"first": "2026-03-02", "units": 4}}
    assert rows(before, delivered, date(2026, 3, 10))["a"]["granted_units"] == 32
    scheduled = voucher(
        "whole", ("a", "2026-01-01", "2026-03-14", "chosen"), ("b", "2026-03-15", None, "switched")
    )
    now = rows(scheduled, delivered, date(2026, 3, 10))
    assert now["a"]["granted_units"] == 32 and now["a"]["delivered_units"] == 4
    assert now["a"]["delivered_share"] == 0.125 and now["a"]["choosers_now"] == 1
    assert now["a"]["switched_out"] == 0 and now["a"]["waiting_now"] == 0
    assert now["b"]["choices"] == 0 and now["b"]["switched_in"] == 0 and now["b"]["granted_units"] == 0
    assert now["b"]["choosers_now"] == 0 and now["b"]["waiting_now"] == 0
    assert now["b"]["delivered_share"] is None


def test_a_done_switch_grants_the_whole_voucher_s_next_provider_what_was_left():
    done = voucher(
        "whole", ("a", "2026-01-01", "2026-03-14", "chosen"), ("b", "2026-03-15", None, "switched")
    )
    delivered = {
        ("v", "a"): {"first": "2026-03-02", "units": 30},
        ("v", "b"): {"first": "2026-03-15", "units": 2},
    }
    on_the_day = rows(done, delivered, date(2026, 3, 15))
    assert on_the_day["a"]["granted_units"] == 32 and on_the_day["a"]["switched_out"] == 1
    assert on_the_day["a"]["choosers_now"] == 0 and on_the_day["b"]["choosers_now"] == 1
    assert on_the_day["b"]["granted_units"] == 2 and on_the_day["b"]["delivered_share"] == 1.0
    assert on_the_day["b"]["switched_in"] == 1 and on_the_day["b"]["median_wait_days"] == 0
    the_day_before = rows(done, {("v", "a"): delivered[("v", "a")]}, date(2026, 3, 14))
    assert the_day_before["a"]["choosers_now"] == 1 and the_day_before["b"]["choices"] == 0


def test_a_cancelled_switch_is_no_switch():
    # a cancelled switch leaves the tenures as they were before it was scheduled
    cancelled = voucher("whole", ("a", "2026-01-01", None, "chosen"))
    now = rows(cancelled, {}, date(2026, 3, 20))
    assert now["a"]["switched_out"] == 0 and now["a"]["choosers_now"] == 1 and now["a"]["waiting_now"] == 1
    assert now["b"]["choices"] == 0


def test_a_monthly_voucher_grants_every_month_held_up_to_this_month():
    v = voucher(
        "month", ("a", "2026-01-31", "2026-02-28", "chosen"), ("b", "2026-03-01", None, "switched"), units=4
    )
    delivered = {
        ("v", "a"): {"first": "2026-01-31", "units": 8},
        ("v", "b"): {"first": "2026-03-31", "units": 4},
    }
    last_day = rows(v, delivered, date(2026, 3, 31))
    assert last_day["a"]["granted_units"] == 8 and last_day["b"]["granted_units"] == 4
    next_month = rows(v, delivered, date(2026, 4, 1))
    assert next_month["b"]["granted_units"] == 8 and next_month["b"]["delivered_share"] == 0.5
    after_validity = rows(v, delivered, date(2027, 2, 1))
    assert after_validity["b"]["granted_units"] == 4 * 10 and after_validity["b"]["choosers_now"] == 0


def test_a_month_shared_by_a_switch_is_granted_to_both_and_a_return_counts_once():
    v = voucher(
        "month",
        ("a", "2026-01-01", "2026-01-10", "chosen"),
        ("b", "2026-01-11", "2026-01-20", "switched"),
        ("a", "2026-01-21", None, "switched"),
        units=4,
    )
    delivered = {
        ("v", "a"): {"first": "2026-01-02", "units": 3},
        ("v", "b"): {"first": "2026-01-12", "units": 1},
    }
    now = rows(v, delivered, date(2026, 1, 25))
    assert now["a"]["granted_units"] == 4 and now["a"]["delivered_units"] == 3 and now["a"]["choices"] == 2
    assert now["b"]["granted_units"] == 4 and now["b"]["switched_out"] == 1
    assert now["a"]["median_wait_days"] == 1


def test_a_return_to_a_whole_voucher_s_provider_counts_its_delivery_once():
    v = voucher(
        "whole",
        ("a", "2026-01-01", "2026-01-10", "chosen"),
        ("b", "2026-01-11", "2026-01-20", "switched"),
        ("a", "2026-01-21", None, "switched"),
        units=10,
    )
    delivered = {
        ("v", "a"): {"first": "2026-01-02", "units": 7},
        ("v", "b"): {"first": "2026-01-12", "units": 3},
    }
    now = rows(v, delivered, date(2026, 2, 1))
    assert now["a"]["delivered_units"] == 7 and now["a"]["granted_units"] == 10
    assert now["b"]["granted_units"] == 10 - 7 and now["b"]["delivered_share"] == 1.0


def test_a_switch_cancelled_through_the_domain_counts_nowhere_even_past_its_day():
    a, b = (Provider(p, "kulturpeng", p.upper(), f"{p}@example.se", ["music"], "approved") for p in "ab")
    for provider in (a, b):
        provider.statuses.append((date(2026, 1, 1), "approved"))
    history: list = []

    def add(events: list, on: date) -> None:
        at = datetime(on.year, on.month, on.day, 9, tzinfo=UTC)
        history.extend(seal("v", len(history) + 1, events, Metadata.new(), at))

    grant = GrantVoucher("kulturpeng", "music", "201203152002", date(2012, 3, 15), "c@example.se", "sv")
    _, granted = vou.grant_voucher(grant, PROGRAMME, b"k" * 32, CITIZEN, date(2026, 1, 1))
    add(granted, date(2026, 1, 1))
    add(
        vou.choose_provider(Voucher.from_history(history), a, None, CITIZEN, date(2026, 1, 1)),
        date(2026, 1, 1),
    )
    switch = vou.choose_provider(
        Voucher.from_history(history), b, date(2026, 3, 15), CITIZEN, date(2026, 3, 1)
    )
    add(switch, date(2026, 3, 1))
    add(vou.cancel_switch(Voucher.from_history(history), b, CITIZEN, date(2026, 3, 10)), date(2026, 3, 10))
    tenures = [
        (t.provider_id, t.since.isoformat(), t.until and t.until.isoformat(), t.how)
        for t in Voucher.from_history(history).tenures
    ]
    delivered = {("v", "a"): {"first": "2026-03-02", "units": 4}}
    now = rows(voucher("whole", *tenures), delivered, date(2026, 3, 20))  # past the would-be day
    assert now["a"]["switched_out"] == 0 and now["a"]["choosers_now"] == 1 and now["a"]["granted_units"] == 32
    assert (now["b"]["choices"], now["b"]["switched_in"], now["b"]["choosers_now"]) == (0, 0, 0)
    assert now["b"]["granted_units"] == 0 and now["b"]["waiting_now"] == 0
