"""Swedish, English and Danish texts for applicants (page labels, validation errors, the
plain-words status of a case), kept as gettext catalogues by message key in
translations/<language>/LC_MESSAGES/messages.po and served with Flask-Babel. The
catalogues are compiled (.mo, not in git) by scripts/bootstrap.sh, or on first use."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from flask import Flask, current_app, has_app_context, request
from flask_babel import Babel

CATALOGUE_LANGUAGES = ("sv", "en", "da")
# the languages offered, by the deployment's country (config/case_types.yaml): the national one first
LANGUAGES_BY_COUNTRY = {"SE": ("sv", "en"), "DK": ("da", "en")}


def languages() -> tuple[str, ...]:
    """The languages this deployment offers (its app's config), the national one first."""
    offered = current_app.config.get("LANGUAGES") if has_app_context() else None
    return tuple(offered or LANGUAGES_BY_COUNTRY["SE"])


TRANSLATIONS = Path(__file__).parent / "translations"


def compile_catalogues() -> None:
    """Compile each .po whose .mo is missing or older (a fresh checkout, a changed text)."""
    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalog = read_po(source)
        partial = mo.with_name(f"{mo.name}.{os.getpid()}.tmp")
        with partial.open("wb") as target:
            write_mo(target, catalog)
        os.replace(partial, mo)  # whole or not at all: several workers may compile at once


def init_i18n(app: Flask, country: str = "SE") -> None:
    """Flask-Babel on the same catalogues: the request's locale is the page's language
    (`?lang=`, else the browser's), for `gettext` in templates and code."""
    app.config["LANGUAGES"] = LANGUAGES_BY_COUNTRY.get(country, LANGUAGES_BY_COUNTRY["SE"])
    compile_catalogues()
    Babel(
        app,
        default_locale="en",
        default_translation_directories=str(TRANSLATIONS),
        locale_selector=lambda: request_language() if request else None,
    )


@cache
def _catalogue(lang: str) -> Translations:
    compile_catalogues()
    return Translations.load(str(TRANSLATIONS), [lang])


def t(key: str, lang: str) -> str:
    """The text of a message key in a language; English where that language lacks it.
    Works outside a request too (the tracking view is pure and takes this as its words)."""
    text = _catalogue(lang if lang in CATALOGUE_LANGUAGES else "en").gettext(key)
    if text == key and lang != "en":
        text = _catalogue("en").gettext(key)
    return text


def request_language(default: str | None = None) -> str:
    offered = languages()
    chosen = request.args.get("lang")
    if chosen in offered:
        return chosen
    return request.accept_languages.best_match(offered) or default or offered[0]
