from collections import Counter
from datetime import date

from business_desk import figures


def case(
    received: str, decided: str | None = None, net: int = 0, gross: int = 0, within: bool = True
) -> dict:
    doc = {
        "case_type": "t",
        "team": "x",
        "received_on": received,
        "handler": "h",
        "decision": None,
        "clock": None,
    }
    if decided:
        doc["decision"] = {"decided_on": decided, "handler": "h"}
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


def test_summaries_backlog_and_forecast():
    docs = [case("2026-11-02", "2026-11-10", 8, 8), case("2026-11-03", "2026-12-20", 40, 47, within=False)]
    open_cases = [
        {"received_on": "2026-11-23", "due_date": "2026-12-01", "phase": "in_progress"},  # due in a week
        {"received_on": "2026-09-01", "due_date": "2026-11-01", "phase": "open"},  # overdue
        {"received_on": "2026-09-01", "due_date": "2026-11-01", "phase": "waiting_for_applicant"},  # paused
    ]
    result = figures.summarise(figures.fold(docs), open_cases, date(2026, 11, 24), group_by="handler")
    assert result["totals"]["received"] == 2 and result["totals"]["decided"] == 2
    assert result["totals"]["share_within_target_net"] == 0.5 and result["totals"]["median_net_days"] == 24
    assert result["backlog"]["overdue"] == 1 and result["backlog"]["breaches_forecast"] == 1
    assert result["backlog"]["by_age"] == {
        "0-7 days": 1, "8-14 days": 0, "15-30 days": 0, "31-60 days": 0, "61-90 days": 2, "over 90 days": 0,
    }  # fmt: skip
    assert [g["group"] for g in result["groups"]] == ["h"] and result["groups"][0]["received"] == 0
    assert [w["week"] for w in result["weekly"]] == ["2026-11-02", "2026-11-09", "2026-12-14"]
