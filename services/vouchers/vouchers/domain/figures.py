"""Published results per provider, and cost follow-up against a programme's budget.
Pure: computed from the read models' documents."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from catalogue.programmes import Programme
from vouchers.domain.months import month_of


def _d(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _months_between(first: date, last: date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month + 1 if last >= first else 0


def granted_units(voucher: dict[str, Any], since: date, until: date | None, today: date) -> float:
    """The units a tenure was granted: whole months held (monthly vouchers, up to this
    month), or the share of a whole-validity voucher's days it was held."""
    valid_from, valid_until = _d(voucher["valid_from"]), _d(voucher["valid_until"])
    assert valid_from and valid_until
    end = min(until or valid_until, valid_until)
    if voucher["period"] == "month":
        return voucher["units_per_period"] * _months_between(since, min(end, today))
    days = (valid_until - valid_from).days + 1
    held = (end - since).days + 1
    return voucher["units_per_period"] * max(held, 0) / days


def _ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 3) if whole else None


def comparison(
    programme: Programme,
    providers: Iterable[dict[str, Any]],
    vouchers: Iterable[dict[str, Any]],
    deliveries: dict[tuple[str, str], dict[str, Any]],
    today: date,
) -> dict[str, Any]:
    """Every approved (or suspended) provider side by side. `deliveries` maps
    (voucher_id, provider_id) to {"first": first delivery date, "units": units delivered}."""
    rows: dict[str, dict[str, Any]] = {}
    for p in providers:
        if p["status"] not in ("approved", "suspended"):
            continue
        rows[p["_id"]] = {
            "provider_id": p["_id"],
            "name": p["name"],
            "ownership": p["ownership"],
            "status": p["status"],
            "categories": p["categories"],
            "choosers_now": 0,
            "choices": 0,
            "default_assignments": 0,
            "switched_in": 0,
            "switched_out": 0,
            "waits": [],
            "waiting_now": 0,
            "delivered_units": 0,
            "granted_units": 0.0,
            "quality": p.get("quality", {}),
        }
    for voucher in vouchers:
        tenures = voucher.get("tenures", [])
        for index, tenure in enumerate(tenures):
            row = rows.get(tenure["provider_id"])
            if row is None:
                continue
            since, until = _d(tenure["since"]), _d(tenure.get("until"))
            assert since
            row["choices"] += 1
            row["default_assignments"] += tenure["how"] == "default"
            row["switched_in"] += tenure["how"] == "switched"
            row["switched_out"] += index < len(tenures) - 1
            if since <= today and (until is None or today <= until) and today <= _d(voucher["valid_until"]):  # type: ignore[operator]
                row["choosers_now"] += 1
            delivered = deliveries.get((voucher["_id"], tenure["provider_id"]))
            if delivered:
                row["delivered_units"] += delivered["units"]
                row["waits"].append(max((date.fromisoformat(delivered["first"]) - since).days, 0))
            elif since <= today:
                row["waiting_now"] += 1
            if since <= today:
                row["granted_units"] += granted_units(voucher, since, until, today)
    published = []
    for row in rows.values():
        waits = row.pop("waits")
        row["median_wait_days"] = statistics.median(waits) if waits else None
        row["switch_in_rate"] = _ratio(row["switched_in"], row["choices"])
        row["switch_out_rate"] = _ratio(row["switched_out"], row["choices"])
        row["granted_units"] = round(row["granted_units"], 1)
        row["delivered_share"] = _ratio(row["delivered_units"], row["granted_units"])
        published.append(row)
    published.sort(key=lambda r: (r["name"].lower(), r["provider_id"]))
    by_ownership = defaultdict(list)
    for row in published:
        by_ownership[row["ownership"]].append(row["provider_id"])
    return {
        "programme": programme.id,
        "as_of": today.isoformat(),
        "providers": published,
        "by_ownership": dict(by_ownership),
    }


def budget_follow_up(
    programme: Programme,
    year: int,
    redeemed_by_month: dict[str, int],
    paid_by_month: dict[str, int],
    today: date,
) -> dict[str, Any]:
    """Cost so far against the year's budget, month by month, with a straight-line
    forecast for the whole year from the days gone."""
    months = [f"{year}-{m:02d}" for m in range(1, 13)]
    redeemed = sum(redeemed_by_month.get(m, 0) for m in months)
    paid = sum(paid_by_month.get(m, 0) for m in months)
    first, last = date(year, 1, 1), date(year, 12, 31)
    elapsed = (min(today, last) - first).days + 1 if today >= first else 0
    days = (last - first).days + 1
    forecast = round(redeemed * days / elapsed) if elapsed else 0
    return {
        "programme": programme.id,
        "year": year,
        "budget_ore": programme.budget_ore,
        "redeemed_ore": redeemed,
        "paid_ore": paid,
        "share_used": _ratio(redeemed, programme.budget_ore),
        "forecast_ore": forecast,
        "forecast_share": _ratio(forecast, programme.budget_ore),
        "months": [
            {
                "month": m,
                "redeemed_ore": redeemed_by_month.get(m, 0),
                "paid_ore": paid_by_month.get(m, 0),
            }
            for m in months
            if m <= month_of(today)
        ],
    }


def previous_month(today: date) -> str:
    return month_of(today.replace(day=1) - timedelta(days=1))
