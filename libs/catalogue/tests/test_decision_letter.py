"""The decision letter's words, written once for the email and the case page: the
municipality's configured name and address, the case type's own appeal."""

from __future__ import annotations

from catalogue import casetypes
from catalogue.decision_letter import decision_letter
from kernel.platform.settings import REPO_ROOT

SWEDISH = casetypes.load(REPO_ROOT / "config" / "case_types.yaml")
DANISH = casetypes.load(REPO_ROOT / "config" / "case_types.dk.yaml")


def letter(catalogue, case_type, language, **changes):  # type: ignore[no-untyped-def]
    fields = {
        "reference": "BUS-2026-ABC123",
        "outcome": "granted",
        "decided_on": "2026-12-03",
        "answer": "Ni får servera alkohol på uteserveringen.",
        "legal_reference": "8 kap. 2 § alkohollagen",
        "handler": "Sara Handläggare",
        "name": "Anna Lind",
        **changes,
    }
    return decision_letter(catalogue, case_type, language, **fields)


def test_the_swedish_letter_names_the_configured_municipality_and_where_to_send_an_appeal():
    sent = letter(SWEDISH, "alcohol_serving_licence", "sv")
    assert sent.subject == "Beslut i ärende BUS-2026-ABC123: Beviljat"
    assert sent.greeting == "Hej Anna Lind,"
    assert sent.body[0] == "Huddinge kommun har fattat beslut i ditt ärende BUS-2026-ABC123 den 3 dec. 2026."
    assert "Ni får servera alkohol på uteserveringen." in sent.body
    assert sent.body[-2] == SWEDISH.get("alcohol_serving_licence").appeal["sv"]
    assert sent.body[-1] == (
        "Skicka överklagandet till Huddinge kommun, 141 85 Huddinge och ange ärendenummer BUS-2026-ABC123."
    )
    assert sent.closing == ("Med vänlig hälsning", "Sara Handläggare, Huddinge kommun")
    assert sent.paragraphs[0] == sent.greeting and sent.paragraphs[-1] == sent.closing[-1]


def test_a_danish_answer_to_a_question_says_it_cannot_be_appealed_and_gives_no_address():
    sent = letter(DANISH, "general_business_advice", "da", outcome="answered")
    assert sent.subject.startswith("Afgørelse i sag") and sent.subject.endswith("Besvaret")
    assert "kan ikke påklages" in sent.body[-1]
    assert not any("Send klagen til" in paragraph for paragraph in sent.body)
    danish_permit = letter(DANISH, "building_permit", "da")
    assert "fire uger" in " ".join(danish_permit.body)  # Denmark's four weeks, not Sweden's three
    assert danish_permit.closing[-1] == "Sara Handläggare, Københavns Kommune"


def test_an_erased_answer_and_name_leave_no_gap_and_an_unknown_language_is_written_in_swedish():
    sent = letter(SWEDISH, "building_permit", "fi", answer=None, name=None)
    assert sent.language == "sv" and sent.greeting == "Hej,"
    assert all(paragraph.strip() for paragraph in sent.body)
    english = letter(SWEDISH, "building_permit", "en", name=None)
    assert english.greeting == "Hello," and english.body[0].startswith("Huddinge kommun decided your case")


def test_an_unknown_case_type_gets_the_letter_without_an_appeal_rather_than_an_error():
    sent = letter(SWEDISH, "withdrawn_case_type", "sv")
    assert sent.body[-1] == "Beslutet är fattat med stöd av 8 kap. 2 § alkohollagen."


def test_a_swedish_answer_to_a_question_is_not_sent_to_be_appealed_either():
    sent = letter(SWEDISH, "general_business_advice", "sv", outcome="answered")
    assert "kan inte överklagas" in sent.body[-1]
    assert not any("Skicka överklagandet" in paragraph for paragraph in sent.body)


def test_the_letter_says_how_many_documents_the_handler_attached():
    assert (
        "Kommunen har bifogat en handling till dig."
        in letter(SWEDISH, "building_permit", "sv", documents=1).body[-1]
    )
    two = letter(SWEDISH, "building_permit", "en", documents=2).body[-1]
    assert two.startswith("The municipality has attached 2 documents for you.")
    assert not any("bifogat" in p for p in letter(SWEDISH, "building_permit", "sv").body)
