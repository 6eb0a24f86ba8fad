from collections import Counter
from datetime import date

from business_desk.domain import figures


def case(
    received: str, decided: str | None = None, net: int = 0, gross: int = 0, within: bool = True
) -> dict:
    doc = {
        "case_type": "t",
        "team": "x",
        "received_on": received,
        "handler": "Hugo",
        "handler_id": "h",
        "decision": None,
        "clock": None,
    }
    if decided:
        doc["decision"] = {"decided_on": decided, "handler": "Hugo", "handler_id": "h"}
        doc["clock"] = {
            "net_days": net,
            "gross_days": gross,
            "within_target_net": within,
            "within_target_gross": False,
        }
    return doc


def test_median_and_p90_are_exact_from_histograms():
    days = Counter({3: 1, 5: 2, 9: 1, 40: 1})  # 3 5 5 9 40
    assert figures.median(days) == 5 and figures.percentile(days, 0.9) == 40
    assert figures.median(Counter({2: 1, 4: 1})) == 3  # the mean of the middle two
    assert figures.median(Counter()) is None and figures.percentile(Counter(), 0.9) is None


def test_a_decision_moves_the_case_into_a_decided_bucket_and_a_reopening_takes_it_out():
    opened = case("2026-11-04")
    decided = case("2026-11-04", "2026-11-18", net=14, gross=14)
    assert figures.difference(None, opened) == {
        "r|2026-11-02|t": {
            "key": {"kind": "received", "week": "2026-11-02", "case_type": "t", "team": "x", "handler": None},
            "inc": {"received": 1},
        }
    }
    change = figures.difference(opened, decided)
    assert list(change) == ["d|2026-11-16|t|h"]
    assert change["d|2026-11-16|t|h"]["inc"] == {"decided": 1, "net.14": 1, "gross.14": 1, "within_net": 1}
    undone = figures.difference(decided, opened)["d|2026-11-16|t|h"]["inc"]
    assert undone == {"decided": -1, "net.14": -1, "gross.14": -1, "within_net": -1}
    assert figures.difference(decided, decided) == {}


def open_case(received: str, due: str, phase: str = "in_progress", handler: str | None = "h") -> dict:
    name = "Hugo" if handler else None
    return {**case(received), "phase": phase, "due_date": due, "handler": name, "handler_id": handler}


def test_an_open_case_is_counted_by_its_received_and_due_days_until_it_is_decided():
    opened = open_case("2026-11-04", "2026-11-18", phase="open", handler=None)
    claimed = open_case("2026-11-04", "2026-11-18")
    paused = open_case("2026-11-04", "2026-11-18", phase="waiting_for_applicant")
    assert figures.difference(None, opened)["o|t|"]["inc"] == {
        "open": 1, "received_on.2026-11-04": 1, "due.2026-11-18": 1,
    }  # fmt: skip
    moved = figures.difference(opened, claimed)
    assert moved["o|t|"]["inc"] == {"open": -1, "received_on.2026-11-04": -1, "due.2026-11-18": -1}
    assert moved["o|t|h"]["key"]["handler"] == "h"
    assert figures.difference(claimed, paused)["o|t|h"]["inc"] == {"due.2026-11-18": -1, "waiting": 1}
    decided = {**case("2026-11-04", "2026-11-18", 10, 10), "phase": "decided"}
    assert figures.difference(claimed, decided)["o|t|h"]["inc"] == {
        "open": -1, "received_on.2026-11-04": -1, "due.2026-11-18": -1,
    }  # fmt: skip


def test_summaries_backlog_and_forecast():
    docs = [case("2026-11-02", "2026-11-10", 8, 8), case("2026-11-03", "2026-12-20", 40, 47, within=False)]
    open_cases = [
        open_case("2026-11-23", "2026-12-01"),  # due in a week
        open_case("2026-09-01", "2026-11-01", phase="open", handler=None),  # overdue
        open_case("2026-09-01", "2026-11-01", phase="waiting_for_applicant"),  # paused
    ]
    buckets = figures.fold([*docs, *open_cases])
    counted = [b for b in buckets if b["kind"] != "open"]
    open_buckets = [b for b in buckets if b["kind"] == "open"]
    assert len(open_buckets) == 2  # one per handler, the unassigned included
    result = figures.summarise(counted, open_buckets, date(2026, 11, 24), group_by="handler")
    assert result["totals"]["received"] == 5 and result["totals"]["decided"] == 2
    assert result["totals"]["share_within_target_net"] == 0.5 and result["totals"]["median_net_days"] == 24
    assert result["backlog"]["overdue"] == 1 and result["backlog"]["breaches_forecast"] == 1
    assert result["backlog"]["open"] == 3 and result["backlog"]["waiting_for_applicant"] == 1
    assert result["backlog"]["by_age"] == {
        "0-7 days": 1, "8-14 days": 0, "15-30 days": 0, "31-60 days": 0, "61-90 days": 2, "over 90 days": 0,
    }  # fmt: skip
    assert [(g["group"], g["name"]) for g in result["groups"]] == [("h", "Hugo")]
    assert result["groups"][0]["received"] == 0
    weeks = ["2026-08-31", "2026-11-02", "2026-11-09", "2026-11-23", "2026-12-14"]
    assert [w["week"] for w in result["weekly"]] == weeks


def test_two_handlers_of_the_same_name_are_two_rows_of_the_breakdown():
    hugo = case("2026-11-02", "2026-11-10", 8, 8)
    namesake = case("2026-11-02", "2026-11-12", 10, 10)
    namesake["decision"] = {**namesake["decision"], "handler_id": "h-2"}
    counted = [b for b in figures.fold([hugo, namesake]) if b["kind"] != "open"]
    result = figures.summarise(counted, [], date(2026, 11, 24), group_by="handler")
    rows = [(g["group"], g["name"], g["decided"]) for g in result["groups"]]
    assert rows == [("h", "Hugo", 1), ("h-2", "Hugo", 1)]
