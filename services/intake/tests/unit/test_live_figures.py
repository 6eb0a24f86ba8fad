from __future__ import annotations

import requests

from intake.adapters.figures import LiveFigures

FEED = {
    "period": "last_12_months",
    "values": [{"case_type": "outdoor_seating", "decided": 3, "median_days": 9}],
}


def test_figures_are_kept_for_a_while_and_the_last_ones_outlive_an_outage():
    calls, now, fail = [], [0.0], [False]

    def fetch(url: str) -> dict:
        calls.append(url)
        if fail[0]:
            raise requests.ConnectionError("down")
        return FEED

    figures = LiveFigures("http://desk", ttl_s=60, fetch=fetch, clock=lambda: now[0])
    assert figures.for_case_type("outdoor_seating")["median_days"] == 9
    assert figures.for_case_type("building_permit") is None
    assert calls == ["http://desk/api/v1/kpi"]
    now[0], fail[0] = 61.0, True
    assert figures.for_case_type("outdoor_seating")["decided"] == 3  # stale, not lost
    assert figures.for_case_type("outdoor_seating")["decided"] == 3  # and not asked again at once
    assert len(calls) == 2


def test_no_figures_at_all_while_business_desk_was_never_reached():
    calls = []

    def fetch(url: str) -> dict:
        calls.append(url)
        raise requests.ConnectionError("down")

    figures = LiveFigures("http://desk", fetch=fetch, clock=lambda: 5.0)
    assert figures.for_case_type("outdoor_seating") is None
    assert figures.for_case_type("outdoor_seating") is None
    assert len(calls) == 1
