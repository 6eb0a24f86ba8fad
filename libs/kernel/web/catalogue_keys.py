"""The message keys a service writes out, for the tests that every key it uses is in its
catalogues (kernel.web.i18n): a key as a literal in a call, `t("key", ...)` or
`tn("key", n)` in a template or a module; `has("key")` where a language may leave a line
out. A key built at run time (`t("unit." ~ unit)`) is the test's to name."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from babel.messages.pofile import read_po

_KEY = r"""\(\s*["']([a-z0-9_]+(?:\.[a-z0-9_]+)*)["'](?!\s*~)"""
KEY_USE = re.compile(rf"(?<![\w.])tn?{_KEY}")
KEY_CHECK = re.compile(rf"(?<![\w.])has{_KEY}")


def package_files(package: Path) -> list[Path]:
    """A package's templates and modules: where its keys are written out."""
    return sorted(
        {*package.glob("templates/**/*.html"), *package.glob("templates/**/*.txt"), *package.glob("**/*.py")}
    )


def keys_used(paths: Iterable[Path], pattern: re.Pattern[str] = KEY_USE) -> dict[str, Path]:
    """Each key the files write out, with the first file that does."""
    used: dict[str, Path] = {}
    for path in sorted(paths):
        for key in pattern.findall(path.read_text(encoding="utf-8")):
            used.setdefault(key, path)
    return used


def catalogue_keys(po: Path) -> set[str]:
    """The keys a catalogue (a messages.po) has a text for."""
    with po.open("rb") as source:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(source) if m.id and m.string}
