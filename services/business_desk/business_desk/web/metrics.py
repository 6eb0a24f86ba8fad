"""The business figures as Prometheus metrics, computed when scraped from the figures'
weekly buckets (the last 12 months) and the open-case counts."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta

from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector

from business_desk.domain import figures

log = logging.getLogger(__name__)
DAY_BUCKETS = (5, 10, 20, 40, 60, 90, 120, 180, 365)


class CaseFigures(Collector):
    def __init__(self, deps) -> None:  # type: ignore[no-untyped-def]
        self._deps = deps

    def collect(self) -> Iterable[object]:
        try:
            yield from self._collect()
        except Exception as exc:  # a scrape must not fail because the store is briefly away
            log.warning("case figures unavailable: %r", exc)

    def _collect(self) -> Iterable[object]:
        deps = self._deps
        today = deps.clock().date()
        start = today - timedelta(days=364)
        received = GaugeMetricFamily("cases_received_last_12_months", "Cases received", labels=["case_type"])
        decided = GaugeMetricFamily("cases_decided_last_12_months", "Cases decided", labels=["case_type"])
        within = GaugeMetricFamily(
            "cases_share_within_target_last_12_months",
            "Share decided within target, legal clock",
            labels=["case_type"],
        )
        median = GaugeMetricFamily(
            "cases_median_days_last_12_months", "Median days to decision, legal clock", labels=["case_type"]
        )
        days = HistogramMetricFamily(
            "cases_processing_days",
            "Days to decision on the legal clock, last 12 months",
            labels=["case_type"],
        )
        for case_type in deps.catalogue.case_types:
            tally = figures.Tally()
            for bucket in deps.cases.statistics.buckets(start, today, [case_type]):
                tally.add(bucket)
            summary = tally.summary()
            received.add_metric([case_type], summary["received"])
            decided.add_metric([case_type], summary["decided"])
            if summary["share_within_target_net"] is not None:
                within.add_metric([case_type], summary["share_within_target_net"])
            if summary["median_net_days"] is not None:
                median.add_metric([case_type], summary["median_net_days"])
            cumulative = [(str(le), sum(n for d, n in tally.net.items() if d <= le)) for le in DAY_BUCKETS]
            total = sum(tally.net.values())
            days.add_metric(
                [case_type], [*cumulative, ("+Inf", total)], sum(d * n for d, n in tally.net.items())
            )
        open_now = GaugeMetricFamily("cases_open", "Open cases now", labels=["case_type"])
        for case_type, count in deps.cases.counts().items():
            open_now.add_metric([case_type], count)
        yield from (received, decided, within, median, days, open_now)
