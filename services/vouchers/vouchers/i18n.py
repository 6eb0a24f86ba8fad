"""The vouchers pages' words in Swedish and English (customer choice is Swedish law), kept
as gettext catalogues by message key in translations/<language>/LC_MESSAGES/messages.po
(kernel.web.i18n)."""

from __future__ import annotations

from pathlib import Path

from kernel.web.i18n import Words

LANGUAGES = ("sv", "en")
# an unknown language reads Swedish; a key a language lacks, its English text
WORDS = Words(Path(__file__).parent, LANGUAGES, unknown="sv")
compile_catalogues = WORDS.compile
t = WORDS.t
