"""Every key notify uses is in the catalogue of every language that writes it: an email's
keys in each language the email is written in (notify.i18n.written_in; every
email is in Danish too, frit valg's included), a key its template only uses where `has()` it in English
only, the keys of its modules and layout in every language; and no catalogue keeps a key
nothing uses."""

from __future__ import annotations

import json

import pytest

from kernel.eventsourcing.contracts import CONTRACTS_DIR, current_version
from kernel.web.catalogue_keys import KEY_CHECK, catalogue_keys, keys_used, package_files
from notify.domain.messages import TEMPLATES
from notify.i18n import LANGUAGES, WORDS, written_in

TRANSLATIONS = WORDS.catalogues.directory
PACKAGE = TRANSLATIONS.parent
CATALOGUES = {lang: catalogue_keys(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po") for lang in LANGUAGES}
EMAILS = sorted(path.name.removesuffix(".txt") for path in TEMPLATES.glob("*.txt"))


def extension_units() -> set[str]:
    """The units of a deadline extension (its contract): the keys deadline_extended builds."""
    event = "business_desk.deadline_extended"
    path = CONTRACTS_DIR / "events" / event / f"v{current_version(event)}.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    extension = schema["properties"]["data"]["properties"]["extension"]
    return {f"unit.{unit}" for unit in extension["properties"]["unit"]["enum"]}


# keys an email needs that its template does not write out: the units of an extension, and
# the decision's subject key, which marks the languages the decision email is written in
# (its words are catalogue.decision_letter's)
BUILT = {"deadline_extended": extension_units(), "decision": {"decision.subject"}}


def email_keys(email: str) -> tuple[set[str], set[str]]:
    """(the keys an email needs, the keys it words only where the language has them)"""
    template = TEMPLATES / f"{email}.txt"
    optional = set(keys_used([template], KEY_CHECK))
    return set(keys_used([template])) - optional | BUILT.get(email, set()), optional


def test_every_email_is_worded_by_key():
    assert EMAILS and set(BUILT) <= set(EMAILS)
    assert not list(TEMPLATES.glob("*.*.txt"))  # one template per email, not one per language


@pytest.mark.parametrize("email", EMAILS)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_key_of_an_email_is_in_each_language_it_is_written_in(email, lang):
    needed, optional = email_keys(email)
    assert needed
    if written_in(email, lang) == lang:
        assert not needed - CATALOGUES[lang], (email, lang)
    assert not (needed | optional) - CATALOGUES["en"], email  # English is every key's fallback


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_keys_outside_the_emails_are_in_every_language(lang):
    shared = set(keys_used(path for path in package_files(PACKAGE) if path.parent != TEMPLATES))
    shared |= set(keys_used([TEMPLATES / "layout.html"]))
    assert "email.link_withheld" in shared
    assert not shared - CATALOGUES[lang], lang


def test_every_email_is_written_in_danish():
    """The applicants', the staff's and frit valg's (the vouchers') emails alike."""
    assert {email for email in EMAILS if written_in(email, "da") == "da"} == set(EMAILS)


def test_the_danish_catalogue_has_every_key_but_the_note_on_the_swedish_act():
    """A Danish deployment is not under the Swedish Administrative Procedure Act: its delay
    notice goes without that note (the template words it only where the language has it)."""
    assert CATALOGUES["sv"] - CATALOGUES["da"] == {"delay_notice.legal_note"}
    assert not CATALOGUES["da"] - CATALOGUES["sv"]


def test_no_catalogue_keeps_a_key_nothing_uses():
    used = set(keys_used(package_files(PACKAGE))) | set(keys_used(package_files(PACKAGE), KEY_CHECK))
    used |= {key for keys in BUILT.values() for key in keys}
    for lang, keys in CATALOGUES.items():
        assert not keys - used, lang
