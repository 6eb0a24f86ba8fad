"""What notify may keep and show of a message: scoped reads, the shown text without its
personal link, errors without the recipient, and the letters sealed per subject."""

from __future__ import annotations

import pytest

from kernel.privacy.personal import InMemoryKeyVault, PersonalData
from kernel.web.auth import Principal
from notify.adapters.letters import Letters, redact
from notify.domain.access import NOTHING, messages_readable, notifications_readable
from notify.domain.messages import LINK_WITHHELD, Email, shown_body

LINK = "https://intake.example/track/s3cr3t-t0ken"
EMAIL = Email("anna@example.se", "Kvitto", f"Hej Anna,\n\nFölj ditt ärende: {LINK}\n", "sv", "receipt", LINK)


def lead(*case_types: str) -> Principal:
    return Principal(subject="tina", roles=frozenset({"team_lead"}), case_types=frozenset(case_types))


def test_a_team_scope_reads_the_case_notifications_of_the_teams_case_types_only():
    readable = notifications_readable("team", lead("outdoor_seating", "alcohol_serving_licence"))
    assert readable == {
        "audience": {"$in": ["applicant", "staff"]},
        "case_type": {"$in": ["alcohol_serving_licence", "outdoor_seating"]},
    }
    # a team lead without case types reads nothing, not everything
    assert notifications_readable("team", lead())["case_type"] == {"$in": []}


@pytest.mark.parametrize("scope", [None, "own", "everything"])
def test_no_grant_or_an_unknown_scope_reads_nothing(scope):
    assert notifications_readable(scope, lead("outdoor_seating")) == NOTHING
    assert messages_readable(scope) == NOTHING


def test_the_widest_scope_still_never_reads_letters_or_sign_in_emails():
    assert notifications_readable("all", lead()) == {"audience": {"$in": ["applicant", "staff"]}}
    assert messages_readable("all") == {"audience": "applicant"}


def test_the_shown_text_leaves_out_the_personal_link_in_the_messages_language():
    shown = shown_body(EMAIL)
    assert LINK not in shown and "s3cr3t" not in shown and LINK_WITHHELD["sv"] in shown
    assert shown_body(Email("a@example.se", "S", "No link here.")) == "No link here."
    english = Email("a@example.se", "S", f"Go to {LINK}#survey-h", "en", link=LINK)
    assert shown_body(english) == f"Go to {LINK_WITHHELD['en']}#survey-h"


def test_errors_are_kept_without_the_recipient_or_any_address_or_number():
    error = "SMTPRecipientsRefused({'Anna@Example.se': (550, b'5.1.1 <anna@example.se> unknown')})"
    assert redact(error, ["anna@example.se"]) == (
        "SMTPRecipientsRefused({'<recipient>': (550, b'5.1.1 <<recipient>> unknown')})"
    )
    assert redact("refused 070-111 22 33 and bob@x.example", []) == "refused <number> and <address>"
    assert redact("550 5.1.1 unknown", [None]) == "550 5.1.1 unknown"
    message_key = "518868fa-3290-4616-ae3f-853d05ee6bef:receipt:sms"
    assert redact(f"mail {message_key} not sent", []) == f"mail {message_key} not sent"


def test_the_dispatchers_log_lines_carry_no_address_even_in_a_traceback(caplog):
    from notify.adapters.dispatcher import log

    try:
        raise ConnectionError("550 <anna@example.se> refused, call 070-111 22 33")
    except ConnectionError:
        log.exception("mail %s failed for %s", "e1:receipt", "anna@example.se")
    [record] = caplog.records
    text = caplog.text
    assert "anna@example.se" not in text and "070-111" not in text
    assert "mail e1:receipt failed for <address>" in record.getMessage() and "ConnectionError" in text


def test_a_letter_is_sealed_with_its_subjects_key_and_dies_with_it():
    vault = InMemoryKeyVault()
    letters = Letters(PersonalData(vault))
    fallback = Email("anna@example.se", "Kvitto", "fallback text", link=None)
    sealed = letters.seal("subject-1", EMAIL, fallback)
    stored = {"_id": "e1:receipt", "subject_id": "subject-1", **sealed}
    assert "anna" not in str(stored) and "Kvitto" not in str(stored) and "s3cr3t" not in str(stored)
    assert letters.letter(stored) == {"to": "anna@example.se", "subject": "Kvitto", "body": shown_body(EMAIL)}
    sending = letters.for_sending(stored)
    assert (
        sending is not None
        and sending["body"] == EMAIL.body
        and sending["fallback"]["body"] == "fallback text"
    )
    vault.erase("subject-1", "retention")
    assert letters.letter(stored) is None and letters.for_sending(stored) is None
    # once sent, only the letter is kept: nothing to send from it
    assert letters.for_sending({k: v for k, v in stored.items() if k != "delivery"}) is None
