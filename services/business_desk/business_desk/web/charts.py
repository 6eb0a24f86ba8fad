"""The dashboard's charts, drawn on the server as SVG with pygal (no script, no CDN): weeks
as week numbers, numbers in the page's locale, labels never cut off, the axis from the data;
where there is too little to draw (under two points), a sentence saying so instead."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pygal
from markupsafe import escape
from pygal.style import Style

from business_desk.domain.figures import AGE_BANDS
from business_desk.i18n import page_language, t
from kernel.web import formats

STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#1b1b1b",
    foreground_strong="#1b1b1b",
    foreground_subtle="#666",
    colors=("#2d6a4f", "#b35c00", "#1f5f99", "#a4000f", "#6c4f9e"),
    font_family="system-ui, sans-serif",
    label_font_size=12,
    major_label_font_size=12,
    legend_font_size=13,
    title_font_size=15,
)


def _config(title: str, **extra: Any) -> dict[str, Any]:
    return {
        "title": title,
        "style": STYLE,
        "js": [],  # no tooltips script fetched from a CDN
        "disable_xml_declaration": True,
        "width": 640,
        "height": 300,
        "legend_at_bottom": True,
        "x_label_rotation": 40,
        "show_minor_x_labels": False,
        "print_values": False,
        "truncate_label": -1,  # a label is shown whole ("15-30 dagar", not "15-30 dag…")
        "truncate_legend": -1,
        "value_formatter": lambda x: formats.number(x, page_language(), 1),
        **extra,
    }


# a chart's link to the cases behind a bar or point: (show, week= or band=) -> the URL
Link = Callable[..., str]


def _linked(
    values: list[Any],
    weeks: list[dict[str, Any]],
    show: str,
    link: Link | None,
    what: str,
    label: str,
    shown: Callable[[Any], str] | None = None,
) -> list[Any]:
    """The values, each drawn as a link to the cases behind it (a week with no cases has
    none), named for assistive technology ("Inkomna, v. 48: 3")."""
    if link is None:
        return values
    lang = page_language()
    shown = shown or (lambda v: formats.number(v, lang, 1))
    return [
        v
        if v is None or not week[what]
        else {
            "value": v,
            "xlink": {
                "href": link(show, week=week["week"]),
                "target": "_self",
                "aria-label": f"{label}, {formats.week(week['week'], lang)}: {shown(v)}",
            },
        }
        for v, week in zip(values, weeks, strict=True)
    ]


def _weeks(figures: dict[str, Any]) -> list[str]:
    return [formats.week(w["week"], page_language()) for w in figures["weekly"]]


def enough(*series: list[Any]) -> bool:
    """Whether a chart has something to show: two points or more, not all nothing."""
    values = [v for values in series for v in values if v is not None]
    return len(values) >= 2 and any(values)


def empty() -> str:
    return f'<p class="empty">{escape(t("dashboard.no_data", page_language()))}</p>'


def _render(chart: Any, *series: list[Any]) -> str:
    if not enough(*series):
        return empty()
    return str(chart.render(is_unicode=True))


def _thin(labels: list[str]) -> list[str]:
    step = max(1, len(labels) // 13)
    return labels[::step]


def trend(figures: dict[str, Any], link: Link | None = None) -> str:
    """Received and decided per week (each bar a link to its cases)."""
    chart = pygal.Bar(**_config(t("chart.received_and_decided_per_week", page_language())))
    chart.x_labels = _weeks(figures)
    chart.x_labels_major = _thin(chart.x_labels)
    received = [w["received"] for w in figures["weekly"]]
    decided = [w["decided"] for w in figures["weekly"]]
    weeks = figures["weekly"]
    for label, show, values in (
        (t("case.received", page_language()), "received", received),
        (t("dashboard.decided", page_language()), "decided", decided),
    ):
        chart.add(label, _linked(values, weeks, show, link, show, label))
    return _render(chart, received, decided)


def times(figures: dict[str, Any], link: Link | None = None) -> str:
    """Median and P90 days per week, net and gross (each point a link to the week's decisions)."""
    chart = pygal.Line(
        **_config(t("chart.days_to_decision_per_week", page_language()), allow_interruptions=True)
    )
    chart.x_labels = _weeks(figures)
    chart.x_labels_major = _thin(chart.x_labels)
    series: list[list[Any]] = []
    for key, label, show in (
        ("median_net_days", t("chart.median_legal_net", page_language()), "net_days"),
        ("p90_net_days", t("chart.p90_legal_net", page_language()), "net_days"),
        ("median_gross_days", t("chart.median_applicant_s_wait_gross", page_language()), "gross_days"),
    ):
        series.append([w[key] for w in figures["weekly"]])
        chart.add(label, _linked(series[-1], figures["weekly"], show, link, "decided", label))
    # the axis from the data: from 0 to a little above the longest time
    top = max((v for values in series for v in values if v is not None), default=0)
    chart.range = (0, max(5, round(top * 1.1 + 0.5)))
    return _render(chart, *series)


def within_target(figures: dict[str, Any], link: Link | None = None) -> str:
    """Share decided within target per week, net and gross, in per cent (each point a link
    to the week's decisions within it)."""
    chart = pygal.Line(
        **_config(
            t("chart.share_decided_within_target_per", page_language()),
            range=(0, 100),
            allow_interruptions=True,
            value_formatter=lambda x: formats.percent(x / 100, page_language(), 1),
        )
    )
    chart.x_labels = _weeks(figures)
    chart.x_labels_major = _thin(chart.x_labels)
    series: list[list[Any]] = []
    for key, label, show in (
        ("share_within_target_net", t("chart.legal_clock_net", page_language()), "within_net"),
        ("share_within_target_gross", t("case.applicant_s_wait_gross", page_language()), "within_gross"),
    ):
        series.append([None if w[key] is None else round(w[key] * 100, 1) for w in figures["weekly"]])
        chart.add(label, _linked(series[-1], figures["weekly"], show, link, "decided", label, _per_cent))
    # a share of 0 % is a point to draw: only missing weeks are nothing
    if sum(v is not None for values in series for v in values) < 2:
        return empty()
    return str(chart.render(is_unicode=True))


def _per_cent(value: float) -> str:
    return formats.percent(value / 100, page_language(), 1)


def backlog(figures: dict[str, Any], link: Link | None = None) -> str:
    """Open cases by age (each bar a link to its cases)."""
    by_age = figures["backlog"]["by_age"]
    # six labels: show them all (the weekly charts show every few weeks only)
    chart = pygal.Bar(
        **_config(
            t("chart.open_cases_by_age", page_language()),
            show_legend=False,
            x_label_rotation=30,
            show_minor_x_labels=True,
        )
    )
    chart.x_labels = [
        t("chart.lo_hi_days", page_language(), lo=lo, hi=hi)
        if hi is not None
        else t("chart.over_days_days", page_language(), days=lo - 1)
        for lo, hi in AGE_BANDS  # the order of figures' by_age
    ]
    counts = list(by_age.values())
    bars = [
        {
            "value": n,
            "xlink": {"href": link("age", band=str(i)), "target": "_self", "aria-label": f"{band}: {n}"},
        }
        if n and link
        else n
        for i, (n, band) in enumerate(zip(counts, chart.x_labels, strict=True))
    ]
    chart.add(t("index.open_cases", page_language()), bars)
    return _render(chart, counts)
