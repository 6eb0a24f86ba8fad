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


def _months_held(tenures: list[dict[str, Any]], valid_until: date, today: date) -> int:
    """The distinct months any of these tenures held the voucher, up to this month."""
    months: set[tuple[int, int]] = set()
    for tenure in tenures:
        since, until = _d(tenure["since"]), _d(tenure.get("until"))
        assert since
        last = min(until or valid_until, valid_until, today)
        year, month = since.year, since.month
        while (year, month) <= (last.year, last.month):
            months.add((year, month))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return len(months)


def granted_units(
    voucher: dict[str, Any],
    provider_id: str,
    started: list[dict[str, Any]],
    deliveries: dict[tuple[str, str], dict[str, Any]],
    today: date,
) -> int:
    """The units a provider was granted on a voucher: those at its disposal while it held it.
    `started` are the voucher's tenures that have begun (a switch scheduled for a later day
    leaves the current provider holding the voucher until then). A monthly voucher grants
    its units for every month the provider held it on some day, up to this month; a
    whole-validity voucher grants the units the provider took over: all of them but those
    the providers before it delivered. A provider cannot deliver more than that (each
    delivery is on a day it held the voucher, from what was left), so the units delivered
    are never more than the units granted."""
    valid_until = _d(voucher["valid_until"])
    assert valid_until
    own = [t for t in started if t["provider_id"] == provider_id]
    if voucher["period"] == "month":
        return int(voucher["units_per_period"] * _months_held(own, valid_until, today))
    first = started.index(own[0])
    before = {t["provider_id"] for t in started[:first]} - {provider_id}
    taken = sum(deliveries.get((voucher["_id"], other), {}).get("units", 0) for other in before)
    return int(max(voucher["units_per_period"] - taken, 0))


def _ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 3) if whole else None


def _holds(tenure: dict[str, Any], voucher: dict[str, Any], today: date) -> bool:
    since, until = _d(tenure["since"]), _d(tenure.get("until"))
    assert since
    return since <= today <= (until or today) and today <= _d(voucher["valid_until"])  # type: ignore[operator]


def _count_tenures(
    rows: dict[str, dict[str, Any]], voucher: dict[str, Any], started: list, today: date
) -> None:
    """Choices, switches and choosers now: of the tenures that have begun (a scheduled
    switch is neither a switch out nor in until its day; a cancelled one never was)."""
    for index, tenure in enumerate(started):
        row = rows.get(tenure["provider_id"])
        if row is None:
            continue
        row["choices"] += 1
        row["default_assignments"] += tenure["how"] == "default"
        row["switched_in"] += tenure["how"] == "switched"
        row["switched_out"] += index < len(started) - 1
        row["choosers_now"] += _holds(tenure, voucher, today)


def _count_deliveries(
    rows: dict[str, dict[str, Any]],
    voucher: dict[str, Any],
    started: list[dict[str, Any]],
    deliveries: dict[tuple[str, str], dict[str, Any]],
    today: date,
) -> None:
    """Units delivered and granted, waits and those waiting now: once per provider of the
    voucher, however many tenures it had."""
    for provider_id in dict.fromkeys(t["provider_id"] for t in started):
        row = rows.get(provider_id)
        if row is None:
            continue
        own = [t for t in started if t["provider_id"] == provider_id]
        delivered = deliveries.get((voucher["_id"], provider_id))
        if delivered:
            row["delivered_units"] += delivered["units"]
            since = _d(own[0]["since"])
            row["waits"].append(max((date.fromisoformat(delivered["first"]) - since).days, 0))  # type: ignore[operator]
        elif any(_holds(t, voucher, today) for t in own):
            row["waiting_now"] += 1
        row["granted_units"] += granted_units(voucher, provider_id, started, deliveries, today)


def _row(p: dict[str, Any]) -> dict[str, Any]:
    return {
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
        "granted_units": 0,
        "quality": p.get("quality", {}),
    }


def comparison(
    programme: Programme,
    providers: Iterable[dict[str, Any]],
    vouchers: Iterable[dict[str, Any]],
    deliveries: dict[tuple[str, str], dict[str, Any]],
    today: date,
) -> dict[str, Any]:
    """Every approved (or suspended) provider side by side. `deliveries` maps
    (voucher_id, provider_id) to {"first": first delivery date, "units": units delivered}."""
    rows = {p["_id"]: _row(p) for p in providers if p["status"] in ("approved", "suspended")}
    for voucher in vouchers:
        started = [t for t in voucher.get("tenures", []) if _d(t["since"]) <= today]  # type: ignore[operator]
        _count_tenures(rows, voucher, started, today)
        _count_deliveries(rows, voucher, started, deliveries, today)
    published = []
    for row in rows.values():
        waits = row.pop("waits")
        row["median_wait_days"] = statistics.median(waits) if waits else None
        row["switch_in_rate"] = _ratio(row["switched_in"], row["choices"])
        row["switch_out_rate"] = _ratio(row["switched_out"], row["choices"])
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
