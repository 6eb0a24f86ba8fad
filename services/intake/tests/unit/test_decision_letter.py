from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from intake.web.letters import decision_letter, latin1

VIEW = {
    "reference": "BUS-2026-7KQ29X",
    "case_type_label": "Serveringstillstånd",
    "company": "Krögarn på Kajen AB",
    "received_on": "2026-09-01",
    "decision": {
        "outcome_text": "Beviljat med villkor",
        "answer": "Ni får servera till kl. 01.00 – under förutsättning att ordningsvakt finns.",
        "legal_reference": "Alkohollagen (2010:1622) 8 kap. 2 §",
        "decided_on": "2026-10-20",
    },
}


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_letter_says_what_was_decided_on_which_ground_and_how_to_appeal():
    pdf = decision_letter(VIEW, "Du kan överklaga beslutet inom tre veckor.", "Huddinge kommun", "sv")
    assert pdf.startswith(b"%PDF")
    text = text_of(pdf)
    for expected in (
        "Huddinge kommun",
        "Beslut: Beviljat med villkor",
        "BUS-2026-7KQ29X",
        "Krögarn på Kajen AB",
        "2026-10-20",
        "ordningsvakt",
        "8 kap. 2 §",
        "Så överklagar du",
        "inom tre veckor",
    ):
        assert expected in text, expected


def test_english_words_and_no_letter_without_a_decision():
    text = text_of(decision_letter(VIEW, "Write within three weeks.", "Huddinge kommun", "en"))
    assert "How to appeal" in text and "Legal basis" in text
    with pytest.raises(ValueError):
        decision_letter({**VIEW, "decision": None}, "", "Huddinge kommun", "sv")


def test_text_outside_latin1_is_folded_not_dropped():
    assert latin1("Čapek – “ok” Ł") == 'Capek - "ok" ?'
    assert latin1("åäö æøå é") == "åäö æøå é"


def test_the_letter_names_the_documents_sent_with_the_decision_only():
    documents = [
        {"filename": "villkor.pdf", "sent_with": "case_decided"},
        {"filename": "blankett.pdf", "sent_with": "completion_requested"},
    ]
    text = text_of(decision_letter({**VIEW, "documents": documents}, "", "Huddinge kommun", "sv"))
    assert "Bifogade handlingar" in text and "villkor.pdf" in text and "blankett.pdf" not in text
    assert "Bifogade handlingar" not in text_of(decision_letter(VIEW, "", "Huddinge kommun", "sv"))
