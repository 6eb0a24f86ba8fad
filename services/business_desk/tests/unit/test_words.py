"""The desk's words looked up by a value rather than written out (the coverage of the keys
written out is libs/kernel/tests/test_catalogues.py's): each has its key in every catalogue,
and the English catalogue words the case history as the API's English lines do."""

import ast
import re
from pathlib import Path

import pytest

import business_desk
from business_desk import domain
from business_desk.i18n import WORDS, key_of
from business_desk.readmodels.case_projection import HISTORY_LINES

LANGUAGES = ("sv", "da", "en")
PACKAGE = Path(business_desk.__file__).parent


def refusals() -> set[str]:
    """The texts the desk refuses a step with, as written out in IllegalTransition(...)."""
    found = set()
    for path in PACKAGE.glob("**/*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "IllegalTransition":
                for arg in node.args[:1]:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        found.add(arg.value)
    return found


VALUE_KEYS = sorted(
    {key_of("history", t.removeprefix("business_desk.")) for t in HISTORY_LINES}
    | {key_of("outcome", o) for o in domain.OUTCOMES}
    | {key_of("phase", p) for p in (*domain.ACTIVE, "decided", "closed")}
    | {key_of("refusal", r) for r in refusals()}
)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_word_looked_up_by_a_value_is_in_every_catalogue(lang):
    assert len(refusals()) >= 5
    missing = [key for key in VALUE_KEYS if not WORDS.has(key, lang)]
    assert not missing


def test_the_english_history_is_the_api_s():
    for event_type, (line, _names) in HISTORY_LINES.items():
        assert WORDS.t(key_of("history", event_type.removeprefix("business_desk.")), "en") == line


def test_no_page_words_by_english_message_id_are_left():
    """Every word is by key: a gettext call on an English text (`_("...")`, `ngettext`,
    `pgettext`) would show English on a Swedish page. (Code from before the keys: convert it
    with scripts/desk_message_keys.py of the commit that brought them, in git's history.)"""
    call = re.compile(r"(?<![\w.])(_|n?gettext|pgettext)\(|flask_babel")
    left = [
        f"{path.relative_to(PACKAGE)}:{n}"
        for path in sorted([*PACKAGE.glob("**/*.py"), *PACKAGE.glob("templates/**/*.html")])
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if call.search(line)
    ]
    assert not left
