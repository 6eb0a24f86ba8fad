"""Every service's gettext catalogues: each translation names the same placeholders as the
text it translates (a stray one would fail at run time), and no translation is empty."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from kernel.platform.settings import REPO_ROOT

CATALOGUE_DIRS = sorted(
    {po.parents[2] for po in (REPO_ROOT / "services").glob("*/*/translations/*/LC_MESSAGES/messages.po")}
)
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def messages(po: Path) -> dict[tuple[str | None, str], str | tuple[str, ...]]:
    with po.open("rb") as source:
        catalog = read_po(source)
    return {(m.context, m.id if isinstance(m.id, str) else m.id[0]): m.string for m in catalog if m.id}


def placeholders(text: str | tuple[str, ...]) -> set[str]:
    texts = [text] if isinstance(text, str) else list(text)
    return {name for t in texts for name in PLACEHOLDER.findall(t)}


@pytest.mark.parametrize("directory", CATALOGUE_DIRS, ids=lambda d: d.parent.name)
def test_translations_keep_the_placeholders_of_their_text(directory):
    catalogues = {po.parent.parent.name: messages(po) for po in directory.glob("*/LC_MESSAGES/messages.po")}
    english = catalogues.get("en", {})
    assert catalogues
    for language, found in catalogues.items():
        for key, text in found.items():
            assert text, (directory, language, key)
            # key-based catalogues translate the English catalogue's text; the others their message id
            original = english.get(key) or key[1]
            assert placeholders(text) == placeholders(original), (directory, language, key)


def test_every_service_with_pages_has_catalogues():
    assert {d.parent.name for d in CATALOGUE_DIRS} == {"intake", "business_desk", "vouchers"}
