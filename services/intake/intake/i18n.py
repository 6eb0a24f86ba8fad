"""Swedish, English and Danish texts for applicants (page labels, validation errors, the
plain-words status of a case), kept as gettext catalogues by message key in
translations/<language>/LC_MESSAGES/messages.po (kernel.web.i18n)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, has_app_context

from kernel.web.i18n import LANGUAGES_BY_COUNTRY, Words, best_language

CATALOGUE_LANGUAGES = ("sv", "en", "da")
WORDS = Words(Path(__file__).parent, CATALOGUE_LANGUAGES)
compile_catalogues = WORDS.compile
# The text of a message key in a language; English where that language lacks it. Works
# outside a request too (the tracking view is pure and takes this as its words).
t = WORDS.t


def languages() -> tuple[str, ...]:
    """The languages this deployment offers (its app's config), the national one first."""
    offered = current_app.config.get("LANGUAGES") if has_app_context() else None
    return tuple(offered or LANGUAGES_BY_COUNTRY["SE"])


def init_i18n(app: Flask, country: str = "SE") -> None:
    """The request's locale is the page's language (`?lang=`, else the browser's)."""
    WORDS.catalogues.init_app(
        app, LANGUAGES_BY_COUNTRY.get(country, LANGUAGES_BY_COUNTRY["SE"]), request_language
    )


def request_language(default: str | None = None) -> str:
    return best_language(languages(), default)
