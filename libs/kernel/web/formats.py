"""Numbers, amounts, dates and times as the page's language writes them (Babel): "33,3 %",
"1 234,50 kr", "3 dec. 2026", "v. 49", "0,6 kB" on a Swedish page. Times are shown in the
deployment's zone (TIME_ZONE in the app's config, Europe/Stockholm unless set), never in
UTC. Pages use them as Jinja filters in the page's language (kernel.web.i18n.Words.bind);
letters and emails rendered outside a request call them with the language."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal, format_percent
from babel.units import format_unit

from kernel.web.i18n import kernel_text

LOCALES = {"sv": "sv_SE", "da": "da_DK", "en": "en_GB"}
ZONES_BY_COUNTRY = {"SE": "Europe/Stockholm", "DK": "Europe/Copenhagen"}
DEFAULT_ZONE = "Europe/Stockholm"


def locale_of(lang: str) -> str:
    return LOCALES.get(lang, LOCALES["en"])


def number(value: float | int | None, lang: str, digits: int = 0) -> str:
    """At most `digits` decimals, the locale's separators ("1 234,5")."""
    if value is None:
        return "–"
    pattern = "#,##0" + ("." + "#" * digits if digits else "")
    return format_decimal(value, pattern, locale=locale_of(lang))


def percent(fraction: float | None, lang: str, digits: int = 0) -> str:
    """A fraction (0.333) as a percentage ("33 %", with `digits` decimals at most)."""
    if fraction is None:
        return "–"
    sign = "\xa0%" if lang in ("sv", "da") else "%"
    pattern = "#,##0" + ("." + "#" * digits if digits else "") + sign
    return format_percent(fraction, pattern, locale=locale_of(lang))


def amount(value: float | int | None, lang: str, currency: str = "SEK") -> str:
    """A sum of money as the page's language writes it: "1 250,00 kr" in Swedish, "SEK 1,250.00"
    in English (Babel's English writes the code against the number, "SEK1,250.00": a no-break
    space keeps them apart, as the code reads in English text), "1.250,00 SEK" in Danish."""
    if value is None:
        return "–"
    written = format_currency(value, currency, locale=locale_of(lang))
    return re.sub(rf"{re.escape(currency)}(?=\d)", f"{currency}\xa0", written)


def day(
    value: date | datetime | str | None, lang: str, style: str = "medium", zone: str = DEFAULT_ZONE
) -> str:
    """A date ("3 dec. 2026"); a datetime is shown on its day in the deployment's zone."""
    if not value:  # None, "", or a template's undefined field
        return "–"
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    if isinstance(value, datetime):
        value = local(value, zone).date()
    return format_date(value, style, locale=locale_of(lang))


def moment(value: datetime | str | None, lang: str, zone: str = DEFAULT_ZONE, style: str = "medium") -> str:
    """A point in time in the deployment's zone ("3 dec. 2026 08:15")."""
    if not value:  # None, "", or a template's undefined field
        return "–"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    pattern = {"medium": "d MMM y HH:mm", "short": "d MMM HH:mm"}.get(style, style)
    return format_datetime(local(value, zone), pattern, locale=locale_of(lang))


def local(value: datetime, zone: str = DEFAULT_ZONE) -> datetime:
    """A stored time (UTC, aware or naive) in the deployment's zone."""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(ZoneInfo(zone))


def week(value: date | str, lang: str) -> str:
    """The ISO week a day falls in ("v. 49", "uge 49", "week 49")."""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return kernel_text("format.week", lang) % {"week": value.isocalendar().week}


def filesize(size: int | None, lang: str) -> str:
    """A file's size in byte, kB or MB ("512 byte", "0,6 kB", "2,4 MB"): never "0 kB"."""
    if size is None:
        return "–"
    if size < 100:
        return format_unit(size, "digital-byte", length="short", locale=locale_of(lang))
    if size < 1_000_000:
        return format_unit(
            size / 1000, "digital-kilobyte", length="short", format="#,##0.#", locale=locale_of(lang)
        )
    return format_unit(
        size / 1_000_000, "digital-megabyte", length="short", format="#,##0.#", locale=locale_of(lang)
    )
