"""Every service's gettext catalogues: each translation names the same placeholders as the
text it translates (a stray one would fail at run time), no translation is empty, and a
key-based catalogue has every key its service writes out."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from kernel.platform.settings import REPO_ROOT
from kernel.web.catalogue_keys import catalogue_keys, keys_used, package_files

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


def test_every_service_has_catalogues():
    """The pages' words and notify's emails' alike."""
    assert {d.parent.name for d in CATALOGUE_DIRS} == {"intake", "business_desk", "notify", "vouchers"}


# the services whose every catalogue words every key they write out (notify's emails are not
# all in every language: notify's own test_words checks each email in its languages)
FULL_KEY_CATALOGUES = ("intake", "business_desk", "vouchers")


@pytest.mark.parametrize("service", FULL_KEY_CATALOGUES)
def test_every_key_written_out_is_in_every_catalogue(service):
    package = REPO_ROOT / "services" / service / service
    used = keys_used(package_files(package))
    assert used
    for po in sorted(package.glob("translations/*/LC_MESSAGES/messages.po")):
        found = catalogue_keys(po)
        missing = {key: str(path.relative_to(package)) for key, path in used.items() if key not in found}
        assert not missing, (po.relative_to(REPO_ROOT), missing)


@pytest.mark.parametrize("service", FULL_KEY_CATALOGUES)
def test_english_is_a_full_catalogue(service):
    """English is a catalogue like the others, not the message ids: each key of the
    service's other languages has its English text."""
    translations = REPO_ROOT / "services" / service / service / "translations"
    english = catalogue_keys(translations / "en" / "LC_MESSAGES" / "messages.po")
    for po in sorted(translations.glob("*/LC_MESSAGES/messages.po")):
        assert catalogue_keys(po) <= english, po.relative_to(REPO_ROOT)


def test_the_bootstrap_compiles_every_services_catalogues():
    script = (REPO_ROOT / "scripts" / "bootstrap.sh").read_text(encoding="utf-8")
    for directory in CATALOGUE_DIRS:
        assert f"from {directory.parent.name}.i18n import compile_catalogues" in script, directory
