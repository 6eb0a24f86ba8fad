"""notify's business metrics: the last day's deliveries per channel, as gauges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from notify.readmodels.deliveries import Deliveries


def delivery_gauges(deliveries: Deliveries) -> dict:
    """The last day's deliveries per channel, as gauges."""
    channels = deliveries.figures(datetime.now(UTC) - timedelta(days=1))["channels"]
    by_status = {
        (("channel", channel), ("status", status)): float(tally[status])
        for channel, tally in channels.items()
        for status in ("sent", "failed", "pending")
    }
    latency = {
        (("channel", channel),): tally["latency_s_p95"]
        for channel, tally in channels.items()
        if tally["latency_s_p95"] is not None
    }
    return {
        "notify_messages_last_day": ("Messages queued in the last day, by channel and status", by_status),
        "notify_delivery_latency_p95_seconds": ("Queued-to-sent latency p95 over the last day", latency),
    }
