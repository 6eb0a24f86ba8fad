"""A service's words: gettext catalogues by MESSAGE KEY (translations/<language>/LC_MESSAGES/
messages.po next to its package; English a full catalogue like the others), read with
`Words.t(key, lang, **params)` in code, in pages (`t("key")` bound to the page's language)
and in emails and letters rendered outside a request (`t("key", lang)`). Parameters are
gettext's `%(name)s`; a context is the key's prefix (`action.claim`, `phase.decided`);
a plural is an `msgid_plural` entry of its key (`Words.tn(key, count, lang)`). The .mo files
are not in git: compiled by scripts/bootstrap.sh, or on first use."""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from flask import Flask, request
from flask_babel import Babel
from markupsafe import Markup

KERNEL_TRANSLATIONS = Path(__file__).parent / "translations"

# the languages offered, by the deployment's country (config/case_types.yaml): the national one first
LANGUAGES_BY_COUNTRY = {"SE": ("sv", "en"), "DK": ("da", "en")}
# the money of the deployment's country, as its pages and emails write amounts (kernel.web.formats.amount)
CURRENCY_BY_COUNTRY = {"SE": "SEK", "DK": "DKK"}


def currency_of(country: str) -> str:
    """The deployment's currency (ISO 4217): Danish kroner in Denmark, Swedish kronor else."""
    return CURRENCY_BY_COUNTRY.get(country, CURRENCY_BY_COUNTRY["SE"])


class Catalogues:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._loaded: Callable[[str], Translations] = cache(self._load)

    def compile(self) -> None:
        """Compile each .po whose .mo is missing or older (a fresh checkout, a changed text)."""
        for po in self.directory.glob("*/LC_MESSAGES/messages.po"):
            mo = po.with_suffix(".mo")
            if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
                continue
            with po.open("rb") as source:
                catalog = read_po(source)
            partial = mo.with_name(f"{mo.name}.{os.getpid()}.tmp")
            with partial.open("wb") as target:
                write_mo(target, catalog)
            os.replace(partial, mo)  # whole or not at all: several workers may compile at once

    def _load(self, lang: str) -> Translations:
        self.compile()
        return Translations.load(str(self.directory), [lang])

    def ngettext(self, message: str, count: int, lang: str) -> str:
        """The plural form of a message for a count; English where the language lacks it."""
        text = self._loaded(lang).ngettext(message, message, count)
        if text == message and lang != "en":
            text = self._loaded("en").ngettext(message, message, count)
        return text

    def has(self, message: str, lang: str) -> bool:
        return self._loaded(lang).gettext(message) != message

    def gettext(self, message: str, lang: str) -> str:
        """The message in a language; English (or the message itself) where it lacks one.
        Works outside a request too."""
        text = self._loaded(lang).gettext(message)
        if text == message and lang != "en":
            text = self._loaded("en").gettext(message)
        return text

    def init_app(self, app: Flask, languages: tuple[str, ...], language: Callable[[], str]) -> None:
        """Flask-Babel on these catalogues: `_()`/`gettext` in templates and code speak the
        request's `language()`."""
        app.config["LANGUAGES"] = languages
        app.extensions["kernel.page_language"] = language  # the kernel's own pages (429) follow it
        self.compile()
        Babel(
            app,
            default_locale="en",
            default_translation_directories=str(self.directory),
            locale_selector=lambda: language() if request else None,
        )


class Words:
    """A service's words by message key, in the languages its catalogues offer (an unknown
    language gets `unknown`; a key a language lacks, its English text; a key no catalogue
    has, itself)."""

    def __init__(self, package: Path, languages: tuple[str, ...], unknown: str = "en") -> None:
        self.catalogues = Catalogues(package / "translations")
        self.languages = languages
        self.unknown = unknown

    def compile(self) -> None:
        self.catalogues.compile()

    def language(self, lang: str) -> str:
        return lang if lang in self.languages else self.unknown

    def t(self, key: str, lang: str, **params: object) -> str:
        text = self.catalogues.gettext(key, self.language(lang))
        return text % params if params else text

    def tn(self, key: str, count: int, lang: str, **params: object) -> str:
        """A plural: `%(num)d` is the count."""
        return self.catalogues.ngettext(key, count, self.language(lang)) % {"num": count, **params}

    def has(self, key: str, lang: str) -> bool:
        """Whether the language's own catalogue has the key (not only English's)."""
        return self.catalogues.has(key, self.language(lang))

    def bind(self, app: Flask, language: Callable[[], str]) -> None:
        """Pages call `t("key", **params)` and `tn("key", count)` in the page's `language()`.
        As gettext's newstyle calls in Jinja: the catalogues' text is the page's own (not
        escaped), the parameters are escaped into it unless they are Markup themselves."""

        def page_text(key: str, **params: object) -> Markup:
            text = Markup(self.catalogues.gettext(key, self.language(language())))
            return text % params if params else text

        def page_plural(key: str, count: int, **params: object) -> Markup:
            text = Markup(self.catalogues.ngettext(key, count, self.language(language())))
            return text % {"num": count, **params}

        app.jinja_env.globals.update(t=page_text, tn=page_plural)
        bind_formats(app, lambda: self.language(language()))


def bind_formats(app: Flask, language: Callable[[], str]) -> None:
    """Pages format with filters in the page's language (kernel.web.formats):
    `{{ share|percent(1) }}`, `{{ n|number }}`, `{{ sek|amount }}`, `{{ d|day }}`,
    `{{ at|moment }}` (in the app's TIME_ZONE), `{{ d|week }}`, `{{ bytes|filesize }}`."""
    from kernel.web import formats

    def zone() -> str:
        return str(app.config.get("TIME_ZONE") or formats.DEFAULT_ZONE)

    app.jinja_env.filters.update(
        number=lambda value, digits=0: formats.number(value, language(), digits),
        percent=lambda value, digits=0: formats.percent(value, language(), digits),
        amount=lambda value, currency="SEK": formats.amount(value, language(), currency),
        day=lambda value, style="medium": formats.day(value, language(), style),
        moment=lambda value, style="medium": formats.moment(value, language(), zone(), style),
        week=lambda value: formats.week(value, language()),
        filesize=lambda value: formats.filesize(value, language()),
    )


def best_language(offered: tuple[str, ...], default: str | None = None) -> str:
    """`?lang=` if offered, else the browser's best match, else the default (the national one)."""
    chosen = request.args.get("lang")
    if chosen in offered:
        return chosen
    return request.accept_languages.best_match(offered) or default or offered[0]


@cache
def _kernel_messages(lang: str) -> dict[str, str]:
    path = KERNEL_TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return {}
    with path.open("rb") as source:
        return {str(m.id): str(m.string) for m in read_po(source) if m.id and m.string}


def kernel_text(key: str, lang: str) -> str:
    """A text of the kernel's own (a rate-limit refusal), in a language, English where
    that one lacks it. Read from the .po files: nothing to compile into an image."""
    return _kernel_messages(lang).get(key) or _kernel_messages("en").get(key, key)
