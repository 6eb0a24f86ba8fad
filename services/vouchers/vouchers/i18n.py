"""The vouchers pages' words in Swedish and English (customer choice is Swedish law), kept
as gettext catalogues by message key in translations/<language>/LC_MESSAGES/messages.po
(kernel.web.i18n)."""

from __future__ import annotations

from pathlib import Path

from kernel.web.i18n import Catalogues

LANGUAGES = ("sv", "en")
CATALOGUES = Catalogues(Path(__file__).parent / "translations")
compile_catalogues = CATALOGUES.compile


def word(key: str, lang: str) -> str:
    """The text of a message key; English where the language lacks it, the key if neither has it."""
    return CATALOGUES.gettext(key, lang if lang in LANGUAGES else "sv")
