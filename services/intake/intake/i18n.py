"""Swedish, English and Danish texts for applicants (page labels, validation errors, the
plain-words status of a case), kept as gettext catalogues by message key in
translations/<language>/LC_MESSAGES/messages.po (kernel.web.i18n)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, before_render_template, current_app, g, has_app_context, has_request_context

from kernel.web.i18n import LANGUAGES_BY_COUNTRY, Words, best_language, bind_formats

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
    # the pages' filters (|day, |moment, |filesize ...) format in the language the page is
    # rendered in (its `lang`: ?lang=, else the case's, else the browser's)
    before_render_template.connect(_remember_page_language, app)
    bind_formats(app, _page_language)


def _remember_page_language(sender: Flask, template: object, context: dict, **_: object) -> None:
    if has_request_context() and context.get("lang") in languages():
        g.page_language = context["lang"]


def _page_language() -> str:
    return (g.get("page_language") if has_request_context() else None) or request_language()


def request_language(default: str | None = None) -> str:
    return best_language(languages(), default)
