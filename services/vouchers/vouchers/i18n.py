"""The vouchers pages' words in Swedish, English and Danish (customer choice: the Swedish
kundval, the Danish frit valg), kept as gettext catalogues by message key in
translations/<language>/LC_MESSAGES/messages.po (kernel.web.i18n). A deployment offers its
country's languages (kernel.web.i18n.LANGUAGES_BY_COUNTRY: sv and en, or da and en)."""

from __future__ import annotations

from pathlib import Path

from kernel.web.i18n import LANGUAGES_BY_COUNTRY, Words

LANGUAGES = ("sv", "en", "da")
# an unknown language reads Swedish; a key a language lacks, its English text
WORDS = Words(Path(__file__).parent, LANGUAGES, unknown="sv")
LANGUAGE_NAMES = {"sv": "Svenska", "en": "English", "da": "Dansk"}
# the money of the deployment's country: kernel.web.i18n.currency_of (notify's emails' too)


def offered_languages(country: str) -> tuple[str, ...]:
    """The languages a deployment in `country` offers, the national one first."""
    return LANGUAGES_BY_COUNTRY.get(country, LANGUAGES_BY_COUNTRY["SE"])


compile_catalogues = WORDS.compile
t = WORDS.t
