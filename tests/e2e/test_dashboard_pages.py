"""The dashboard's drilldowns in a browser: a tile and a chart's bar lead to the cases
behind them, the list says what it shows, and a case's reference leads to its page."""

from __future__ import annotations

import re

import pytest

from tests.e2e.accessibility import assert_accessible
from tests.e2e.browser import browser, page  # noqa: F401 - pytest fixtures
from tests.e2e.test_pages_in_a_browser import reload_until, sign_in, submit_inquiry

pytestmark = pytest.mark.e2e


def test_a_manager_clicks_a_tile_and_a_charts_bar_and_reads_the_cases_behind_them(stack, page, browser):  # noqa: F811
    desk = stack.url("business_desk")
    submit_inquiry(page, stack.url("intake"), "Drilldown Demo AB")  # at least one received
    maria = sign_in(browser, f"{desk}/dashboard", "maria.manager")
    received = reload_until(maria, "#received", r"[1-9]")
    maria.click("#received a")
    heading = maria.locator("h1").inner_text()
    assert re.match(r"Received .+: \d+ cases?$", heading), heading
    assert heading.endswith(f": {received.strip()} case" + ("" if received.strip() == "1" else "s"))
    assert maria.locator("#drilldown tbody tr").count() >= 1
    assert_accessible(maria)
    maria.click("text=← Back to the dashboard")
    assert maria.url.endswith("/dashboard")
    # a bar of the weekly trend: its week's cases
    bar = maria.locator("#chart-trend svg a").first
    bar.click()
    maria.wait_for_url(re.compile(r"/dashboard/cases\?show=(received|decided)&week="))
    assert re.match(r"(Received|Decided) week \d+: \d+ cases?$", maria.locator("h1").inner_text())
    reference = maria.locator("#drilldown tbody tr a").first
    text = reference.inner_text()
    reference.click()
    assert text in maria.locator("h1").inner_text()  # the case page
    maria.context.close()
