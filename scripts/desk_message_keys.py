"""One-off migration, re-runnable: business_desk's words from English gettext message ids
(`_("Claimed by %(handler)s.")`, `pgettext("action", "claim")`, `ngettext(...)`) to message
keys (`t("history.case_claimed")`, `action.claim`, `tn("queue.num_case", n)`) like the other
services' catalogues.

The English texts with their keys are the English catalogue once it is written; an entry of
the Swedish or Danish catalogue still under an English id (all of them the first time; after
a merge, the words another branch added) gets the key the English catalogue gives its text,
or a new one: its category's (`status.open`, `history.case_claimed`, `action.claim`), else the
prefix of the first file that writes it out and its first words (`case.received`), else a
refusal's (`refusal.<its words>`). It writes sv, da and a full en catalogue by key (the same
header on every run) and rewrites every `_()`/`ngettext()`/`pgettext()` call left in the
templates and the Python modules, wherever they have moved; a run with nothing left to
convert changes nothing. Run: .local/venv/bin/python scripts/desk_message_keys.py"""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "services" / "business_desk" / "business_desk"
sys.path[:0] = [str(ROOT / "libs"), str(PACKAGE.parent)]
from business_desk.i18n import key_of  # noqa: E402
from business_desk.readmodels.case_projection import HISTORY_LINES  # noqa: E402

LANGUAGES = ("sv", "da", "en")
NAMES = {"sv": "Swedish", "da": "Danish", "en": "English"}
WRITTEN = datetime(2026, 12, 2, tzinfo=UTC)  # the catalogues' header: the same on every run
KEY = re.compile(r"[a-z0-9_]+(?:\.[a-z0-9_]+)+")
# the words looked up by a value rather than written out: their key is `<category>.<value>`
CATEGORIES = {
    "outcome": ["granted", "granted with conditions", "refused", "answered"],
    "status": ["open", "waiting", "overdue", "decided", "closed"],
    "kind": ["legal", "service guarantee"],
    "group": ["case type", "team", "handler"],
    "period": ["Last 4 weeks", "Last 13 weeks", "Last 12 months"],
    "delivery": [
        "inquiry submitted",
        "completion requested",
        "case decided",
        "case closed",
        "deadline extended",
        "delay notice sent",
        "tracking link replaced",
    ],
    "delivery_status": ["queued", "sending", "sent", "failed", "bounced"],
    "field_error": [
        "Use one line of text, without control characters.",
        "Remove the control characters from the text.",
        "Missing data for required field.",
    ],
}
# the gettext contexts (pgettext): the context is the key's prefix
CONTEXTS = ("action", "phase")
# rewrites of the calls that look a word up by a value (applied wherever they are)
DYNAMIC_PY = [
    (r"lambda status: _\(status\)", 'lambda status: word_for("status", status)'),
    (r'_\(ct\.kind\.replace\("_", " "\)\)', 'word_for("kind", ct.kind)'),
    (r"_\(str\(exc\.messages\[0\]\)\)", 'word_for("field_error", str(exc.messages[0]))'),
]
DYNAMIC_HTML = [
    (
        r"_\(m\.event_type\.split\('\.'\)\[-1\]\.replace\('_', ' '\)\)",
        "word_for('delivery', m.event_type.split('.')[-1])",
    ),
    (r"_\(m\.status\)", "word_for('delivery_status', m.status)"),
    (r"_\(label\)", "word_for('period', label)"),
    (r"_\(grp\.replace\('_', ' '\)\)", "word_for('group', grp)"),
    (r"_\(scope\.group_by\.replace\('_', ' '\)\)", "word_for('group', scope.group_by)"),
    # the dashboard's totals were `t`, now the pages' word lookup
    (r"{% set t = figures\.totals %}", "{% set totals = figures.totals %}"),
    (r"(?<![\w.])t\.(?=\w)", "totals."),
]
# a key's prefix: the first file writing its text out (its name without .py/.html, else this)
FILE_PREFIX = {"charts.py": "chart", "pages.py": "page"}
STRING = r"""(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")"""
CALL = re.compile(r"(?<![\w.])_\((\s*)" + STRING)
NGETTEXT = re.compile(r"(?<![\w.])ngettext\(\s*" + STRING + r"\s*,\s*" + STRING + r"\s*,")
PGETTEXT = re.compile(r"(?<![\w.])pgettext\((\s*)" + STRING + r"\s*,\s*" + STRING)
BABEL_IMPORT = re.compile(r"^from flask_babel import [^\n]*\n", re.M)
DESK_IMPORT = re.compile(r"^from business_desk\.i18n import (\(([^)]*)\)|[^\n(]*)\n", re.M)
RUFF = ROOT / ".local" / "venv" / "bin" / "ruff"


def po_path(lang: str) -> Path:
    return PACKAGE / "translations" / lang / "LC_MESSAGES" / "messages.po"


def read(lang: str) -> Catalog:
    path = po_path(lang)
    if not path.exists():
        return Catalog(locale=lang)
    with path.open("rb") as source:
        return read_po(source, locale=lang)


def singular(value: str | tuple[str, ...] | list[str]) -> str:
    return value if isinstance(value, str) else value[0]


def is_key(message: object) -> bool:
    return not message.context and KEY.fullmatch(singular(message.id)) is not None


def sources() -> list[Path]:
    return sorted(PACKAGE.glob("templates/**/*.html")) + sorted(PACKAGE.glob("**/*.py"))


def text_of(match: re.Match[str], group: int) -> str:
    return match.group(group) if match.group(group) is not None else match.group(group + 1)


def static_keys(texts: set[str], taken: set[str]) -> dict[str, str]:
    """The key of each text written out in a template or module: its first file's prefix
    and its first words (more words where two texts would share a key)."""
    firsts: dict[str, str] = {}
    for path in sources():
        source = path.read_text(encoding="utf-8")
        prefix = FILE_PREFIX.get(path.name, path.stem)
        for match in CALL.finditer(source):
            firsts.setdefault(text_of(match, 2), prefix)
        for match in NGETTEXT.finditer(source):
            firsts.setdefault(text_of(match, 1), prefix)
    keys: dict[str, str] = {}
    for text in sorted(t for t in firsts if t in texts):
        prefix, words = key_of(firsts[text], text).split(".", 1)
        parts = words.split("_")
        for n in range(min(5, len(parts)), len(parts) + 1):
            key = f"{prefix}.{'_'.join(parts[:n])}"
            if key not in taken:
                break
        else:
            raise SystemExit(f"no key of its own for {text!r}")
        keys[text] = key
        taken.add(key)
    return keys


def new_keys(texts: set[tuple[str | None, str]], taken: set[str]) -> dict[tuple[str | None, str], str]:
    """(context, English text) -> key, for texts the English catalogue does not have yet."""
    by_value: dict[str, str] = {}
    for category, words in CATEGORIES.items():
        by_value.update({w: key_of(category, w) for w in words})
    for event_type, (line, _names) in HISTORY_LINES.items():
        by_value[line] = key_of("history", event_type.removeprefix("business_desk."))
    keys: dict[tuple[str | None, str], str] = {}
    for context, text in texts:
        if context:
            keys[(context, text)] = key_of(context, text)
        elif text in by_value:
            keys[(context, text)] = by_value[text]
    taken |= set(keys.values())
    written = static_keys({t for c, t in texts if (c, t) not in keys}, taken)
    keys.update({(None, t): k for t, k in written.items()})
    for context, text in texts:  # the rest: the domain's refusals, by their words
        keys.setdefault((context, text), key_of("refusal", text))
    return keys


def convert_catalogues() -> dict[str, str]:
    """Writes sv, da and en by key; returns English text -> key (texts without a context)."""
    catalogues = {lang: read(lang) for lang in LANGUAGES}
    english = {str(m.id): m.id for m in catalogues["en"] if m.id}  # written earlier: key -> its entry
    known: dict[tuple[str | None, str], str] = {}
    for m in catalogues["en"]:
        if not m.id:
            continue
        key, text = singular(m.id), singular(m.string)
        prefix = key.split(".", 1)[0]
        known[(prefix, text) if prefix in CONTEXTS else (None, text)] = key
    ids = {
        (m.context, singular(m.id))
        for lang in ("sv", "da")
        for m in catalogues[lang]
        if m.id and not is_key(m)
    }
    keys = {**known, **new_keys({i for i in ids if i not in known}, set(known.values()) | set(english))}
    if len(set(keys.values())) != len(keys):
        raise SystemExit("two texts would share a key")
    entries: dict[str, dict[str, str | tuple[str, ...]]] = {lang: {} for lang in LANGUAGES}
    for m in catalogues["en"]:
        if m.id:
            entries["en"][singular(m.id)] = m.string
    for lang in ("sv", "da"):
        for m in catalogues[lang]:
            if not m.id:
                continue
            plural = not isinstance(m.id, str)
            if is_key(m):
                entries[lang][singular(m.id)] = m.string
                continue
            key = keys[(m.context, singular(m.id))]
            entries[lang][key] = tuple(m.string) if plural else m.string
            entries["en"].setdefault(key, tuple(m.id) if plural else m.id)
    for lang in LANGUAGES:
        target = Catalog(
            locale=lang, project="business_desk", fuzzy=False, creation_date=WRITTEN, revision_date=WRITTEN
        )
        target.header_comment = (
            f"# business_desk's staff pages in {NAMES[lang]}, by message key (kernel.web.i18n)."
        )
        for key, text in entries[lang].items():
            target.add((key, key) if isinstance(text, tuple) else key, text)
        po_path(lang).parent.mkdir(parents=True, exist_ok=True)
        with po_path(lang).open("wb") as out:
            write_po(out, target, width=100, sort_output=True, omit_header=False)
    return {text: key for (context, text), key in keys.items() if context is None}


def add_imports(source: str, names: set[str]) -> str:
    """Drops flask_babel's imports; the names needed join business_desk.i18n's import."""
    if not names:
        return BABEL_IMPORT.sub("", source)
    desk = DESK_IMPORT.search(source)
    if desk is None:
        line = f"from business_desk.i18n import {', '.join(sorted(names))}\n"
        first = BABEL_IMPORT.search(source)
        if first is None:
            raise SystemExit("no import to put the words' next to")
        return (
            BABEL_IMPORT.sub("", source[: first.start()]) + line + BABEL_IMPORT.sub("", source[first.end() :])
        )
    had = {n.strip() for n in (desk.group(2) or desk.group(1)).split(",") if n.strip()}
    line = f"from business_desk.i18n import ({', '.join(sorted(had | names))})\n"
    return BABEL_IMPORT.sub("", source[: desk.start()] + line + source[desk.end() :])


def rewrite(keys: dict[str, str]) -> list[Path]:
    changed: list[Path] = []
    for path in sources():
        source = path.read_text(encoding="utf-8")
        html = path.suffix == ".html"
        q = "'" if html else '"'
        lang_arg = "" if html else ", page_language()"

        def call(match: re.Match[str], q: str = q, lang_arg: str = lang_arg) -> str:
            text = text_of(match, 2)
            if text not in keys:
                return match.group(0)
            return f"t({match.group(1)}{q}{keys[text]}{q}{lang_arg}"

        def plural(match: re.Match[str], html: bool = html, path: Path = path) -> str:
            if not html:
                raise SystemExit(f"{path}: a plural in Python; word it with WORDS.tn by hand")
            return f"tn('{keys[text_of(match, 1)]}',"

        def context(match: re.Match[str], q: str = q, lang_arg: str = lang_arg) -> str:
            key = key_of(text_of(match, 2), text_of(match, 4))
            return f"t({match.group(1)}{q}{key}{q}{lang_arg}"

        new = CALL.sub(call, source)
        new = NGETTEXT.sub(plural, new)
        new = PGETTEXT.sub(context, new)
        for pattern, replacement in DYNAMIC_HTML if html else DYNAMIC_PY:
            new = re.sub(pattern, replacement, new)
        if not html and new != source:
            used = {n for n in ("page_language", "t", "word_for") if re.search(rf"(?<![\w.]){n}\(", new)}
            new = add_imports(new, used)
        if new != source:
            path.write_text(new, encoding="utf-8")
            changed.append(path)
            print("rewrote", path.relative_to(ROOT))
    return changed


def left_over() -> list[str]:
    """The gettext calls nothing rewrote: a text no catalogue has."""
    found = []
    for path in sources():
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"(?<![\w.])(_|n?gettext|pgettext)\(", line) or "flask_babel" in line:
                found.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    return [f for f in found if not f.startswith("services/business_desk/business_desk/i18n.py")]


if __name__ == "__main__":
    python = [p for p in rewrite(convert_catalogues()) if p.suffix == ".py"]
    if python:
        subprocess.run(
            [str(RUFF), "check", "-q", "--fix", "--select", "I,F401", *map(str, python)], check=False
        )
        subprocess.run([str(RUFF), "format", "-q", *map(str, python)], check=True)
    if rest := left_over():
        raise SystemExit("left as gettext calls:\n" + "\n".join(rest))
