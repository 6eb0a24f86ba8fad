"""Processing-time figures for managers, the public and national surveys. Pure logic.

Cases are counted into weekly buckets (received per week and case type; decided per week,
case type and handler, with histograms of the net and gross days), so a dashboard over
100,000 cases reads a few thousand small documents instead of every case. Histograms keep
medians and P90 exact. The open cases are counted per case type and handler, by the day
they were received and the day they are due, so the backlog by age, overdue and the
forecast are read from a few dozen documents whatever the day. The buckets are a
projection of the case documents: a case's contribution is recomputed on every event and
the difference applied."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

OPEN_PHASES = ("open", "in_progress", "waiting_for_applicant")
AGE_BANDS = ((0, 7), (8, 14), (15, 30), (31, 60), (61, 90), (91, None))
FORECAST_DAYS = 14


def week_of(day: str | date) -> str:
    """The Monday starting the ISO week of a day, as an ISO date (sorts and ranges well)."""
    d = date.fromisoformat(day) if isinstance(day, str) else day
    return (d - timedelta(days=d.weekday())).isoformat()


def contributions(doc: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """What one case document adds to the buckets: bucket id -> {"key": {...}, "inc": {...}}."""
    if doc is None:
        return {}
    case_type, team = doc["case_type"], doc["team"]
    received = week_of(doc["received_on"])
    out = {
        f"r|{received}|{case_type}": {
            "key": {
                "kind": "received",
                "week": received,
                "case_type": case_type,
                "team": team,
                "handler": None,
            },
            "inc": {"received": 1},
        }
    }
    decision, clock = doc.get("decision"), doc.get("clock")
    if decision and clock:
        week = week_of(decision["decided_on"])
        handler, name = _handler(decision) if decision.get("handler_id") else _handler(doc)
        out[f"d|{week}|{case_type}|{handler}"] = {
            "key": {
                "kind": "decided",
                "week": week,
                "case_type": case_type,
                "team": team,
                "handler": handler,
                "handler_name": name,
            },
            "inc": {
                "decided": 1,
                f"net.{clock['net_days']}": 1,
                f"gross.{clock['gross_days']}": 1,
                # a missing count reads as 0: the summary uses .get
                "within_net": int(bool(clock["within_target_net"])),
                "within_gross": int(bool(clock["within_target_gross"])),
            },
        }
    if doc.get("phase") in OPEN_PHASES:
        handler, name = _handler(doc)
        # a paused case has no deadline to count: it moves when the applicant replies
        due = {"waiting": 1} if doc["phase"] == "waiting_for_applicant" else {f"due.{doc['due_date']}": 1}
        out[f"o|{case_type}|{handler}"] = {
            "key": {
                "kind": "open",
                "week": None,
                "case_type": case_type,
                "team": team,
                "handler": handler,
                "handler_name": name,
            },
            "inc": {"open": 1, f"received_on.{doc['received_on']}": 1, **due},
        }
    return out


def _handler(doc: dict[str, Any]) -> tuple[str, str]:
    """Who handled it (their actor id: buckets count people, not names) and their name."""
    return doc.get("handler_id") or "", doc.get("handler") or ""


def difference(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """The increments that move the buckets from the case's old contribution to its new one."""
    old, new = contributions(before), contributions(after)
    changes: dict[str, dict[str, Any]] = {}
    for bucket_id in old.keys() | new.keys():
        inc: Counter[str] = Counter(new.get(bucket_id, {}).get("inc", {}))
        inc.subtract(old.get(bucket_id, {}).get("inc", {}))
        inc_nonzero = {k: v for k, v in inc.items() if v}
        if inc_nonzero:
            key = (new.get(bucket_id) or old[bucket_id])["key"]
            changes[bucket_id] = {"key": key, "inc": inc_nonzero}
    return changes


def fold(docs: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every bucket of a set of case documents (for a rebuild), as stored documents."""
    buckets: dict[str, dict[str, Any]] = {}
    for doc in docs:
        for bucket_id, part in contributions(doc).items():
            bucket = buckets.setdefault(bucket_id, {"_id": bucket_id, **part["key"]})
            for name, n in part["inc"].items():
                if not n:
                    continue  # as $inc is only ever sent non-zero amounts
                if "." in name:
                    histogram, days = name.split(".")
                    bucket.setdefault(histogram, {})
                    bucket[histogram][days] = bucket[histogram].get(days, 0) + n
                else:
                    bucket[name] = bucket.get(name, 0) + n
    return list(buckets.values())


def counted(bucket: dict[str, Any] | None) -> dict[str, Any] | None:
    """A bucket without its zero counts, None when none is left: what it counts (the
    incremental path leaves a bucket counted down to nothing behind, a rebuild has none)."""
    if bucket is None:
        return None
    kept = {k: v for k, v in bucket.items() if v != 0 and v != {}}
    return kept if any(isinstance(v, int | dict) for v in kept.values()) else None


def percentile(histogram: Counter[int], share: float) -> float | None:
    """The nearest-rank percentile of a histogram of whole days (None when empty)."""
    total = sum(histogram.values())
    if not total:
        return None
    rank = max(1, math.ceil(share * total))
    seen = 0
    for days in sorted(histogram):
        seen += histogram[days]
        if seen >= rank:
            return float(days)
    return None


def median(histogram: Counter[int]) -> float | None:
    """The median (the mean of the middle two for an even count)."""
    total = sum(histogram.values())
    if not total:
        return None
    lower = percentile(histogram, 0.5)
    if total % 2:
        return lower
    upper_rank, seen = total // 2 + 1, 0
    for days in sorted(histogram):
        seen += histogram[days]
        if seen >= upper_rank:
            return (lower + days) / 2  # type: ignore[operator]
    return lower


@dataclass
class Tally:
    received: int = 0
    decided: int = 0
    within_net: int = 0
    within_gross: int = 0
    net: Counter[int] = field(default_factory=Counter)
    gross: Counter[int] = field(default_factory=Counter)

    def add(self, bucket: dict[str, Any]) -> None:
        self.received += bucket.get("received", 0)
        self.decided += bucket.get("decided", 0)
        self.within_net += bucket.get("within_net", 0)
        self.within_gross += bucket.get("within_gross", 0)
        self.net.update({int(k): v for k, v in (bucket.get("net") or {}).items()})
        self.gross.update({int(k): v for k, v in (bucket.get("gross") or {}).items()})

    def summary(self) -> dict[str, Any]:
        def share(n: int) -> float | None:
            return round(n / self.decided, 4) if self.decided else None

        return {
            "received": self.received,
            "decided": self.decided,
            "median_net_days": median(self.net),
            "p90_net_days": percentile(self.net, 0.9),
            "share_within_target_net": share(self.within_net),
            "median_gross_days": median(self.gross),
            "p90_gross_days": percentile(self.gross, 0.9),
            "share_within_target_gross": share(self.within_gross),
        }


def backlog(open_buckets: Iterable[dict[str, Any]], today: date) -> dict[str, Any]:
    """The current queue from the open-case counts: open cases by age, overdue now, and
    breaches forecast in the next two weeks (open cases whose deadline falls in them: each
    will be late unless decided)."""
    by_age = {_band(lo, hi): 0 for lo, hi in AGE_BANDS}
    total = overdue = waiting = 0
    forecast: Counter[str] = Counter()
    horizon = today + timedelta(days=FORECAST_DAYS)
    for bucket in open_buckets:
        total += bucket.get("open", 0)
        waiting += bucket.get("waiting", 0)
        for day, n in (bucket.get("received_on") or {}).items():
            if n:
                by_age[_band_of((today - date.fromisoformat(day)).days)] += n
        for day, n in (bucket.get("due") or {}).items():
            if not n:
                continue
            due = date.fromisoformat(day)
            if due < today:
                overdue += n
            elif due <= horizon:
                forecast[week_of(due)] += n
    return {
        "open": total,
        "waiting_for_applicant": waiting,
        "overdue": overdue,
        "by_age": by_age,
        "breaches_forecast": sum(forecast.values()),
        "breaches_forecast_by_week": dict(sorted(forecast.items())),
    }


def _band(lo: int, hi: int | None) -> str:
    return f"{lo}-{hi} days" if hi is not None else f"over {lo - 1} days"


def _band_of(age: int) -> str:
    for lo, hi in AGE_BANDS:
        if hi is None or age <= hi:
            return _band(lo, hi)
    raise AssertionError(age)


def summarise(
    buckets: Iterable[dict[str, Any]],
    open_buckets: Iterable[dict[str, Any]],
    today: date,
    group_by: str | None = None,
) -> dict[str, Any]:
    """The dashboard's figures for a period (from its received and decided buckets):
    totals, a weekly trend, a breakdown by case_type, team or handler; and the current
    backlog (from the open-case counts)."""
    total, weekly, groups = Tally(), {}, {}
    names: dict[str, str] = {}  # a handler group's name, for showing
    for bucket in buckets:
        total.add(bucket)
        weekly.setdefault(bucket["week"], Tally()).add(bucket)
        if group_by and (bucket["kind"] == "decided" or group_by != "handler"):
            group = bucket.get(group_by) or "(none)"
            groups.setdefault(group, Tally()).add(bucket)
            if group_by == "handler":
                names[group] = bucket.get("handler_name") or group
    figures = {
        "totals": total.summary(),
        "weekly": [{"week": week, **tally.summary()} for week, tally in sorted(weekly.items())],
        "backlog": backlog(open_buckets, today),
    }
    if group_by:
        figures["by"] = group_by
        figures["groups"] = [
            {"group": g, **({"name": names[g]} if g in names else {}), **t.summary()}
            for g, t in sorted(groups.items(), key=lambda item: (names.get(item[0], item[0]), item[0]))
        ]
    return figures
