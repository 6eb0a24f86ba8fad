"""notify's words: every text of every email and text message (subjects, greetings,
lines, labels) in Swedish, English and Danish, kept as gettext catalogues by message key
in translations/<language>/LC_MESSAGES/messages.po (kernel.web.i18n). The templates in
templates/email/ are one per email and take their words by key."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

from kernel.web.i18n import Words

LANGUAGES = ("sv", "en", "da")
# an unknown language reads Swedish, the municipality's own; a key a language lacks, English
WORDS = Words(Path(__file__).parent, LANGUAGES, unknown="sv")
compile_catalogues = WORDS.compile
t = WORDS.t
has = WORDS.has


def subject_key(email: str) -> str:
    return f"{email}.subject"


def written_in(email: str, lang: str) -> str:
    """The language an email is written in for a reader of `lang`: the reader's own where
    its catalogue has the email (the Danish one has every email, frit valg's too),
    else English; an unknown language reads Swedish."""
    lang = WORDS.language(lang)
    return lang if has(subject_key(email), lang) else "en"


class ByLanguage(Mapping[str, str]):
    """One key's text in each of notify's languages, read as a mapping (`LINK_WITHHELD["sv"]`)."""

    def __init__(self, key: str) -> None:
        self.key = key

    def __getitem__(self, lang: str) -> str:
        if lang not in LANGUAGES:
            raise KeyError(lang)
        return t(self.key, lang)

    def __iter__(self) -> Iterator[str]:
        return iter(LANGUAGES)

    def __len__(self) -> int:
        return len(LANGUAGES)
