"""The decision as a letter (PDF, fpdf2): who decided what, on which legal ground, and
how to appeal. Made from the applicant's view of the case; pure (bytes out)."""

from __future__ import annotations

import unicodedata
from typing import Any

from fpdf import FPDF

WORDS = {
    "sv": {
        "title": "Beslut",
        "reference": "Ärendenummer",
        "case_type": "Ärende",
        "company": "Sökande",
        "received": "Inkom",
        "decided": "Beslutsdatum",
        "outcome": "Beslut",
        "grounds": "Lagrum",
        "appeal": "Så överklagar du",
        "documents": "Bifogade handlingar (hämtas på ärendets sida i e-tjänsten)",
        "page": "Sida",
    },
    "da": {
        "title": "Afgørelse",
        "reference": "Sagsnummer",
        "case_type": "Sag",
        "company": "Ansøger",
        "received": "Modtaget",
        "decided": "Afgørelsesdato",
        "outcome": "Afgørelse",
        "grounds": "Hjemmel",
        "appeal": "Sådan klager du",
        "documents": "Vedhæftede dokumenter (hentes på sagens side i e-tjenesten)",
        "page": "Side",
    },
    "en": {
        "title": "Decision",
        "reference": "Case reference",
        "case_type": "Case",
        "company": "Applicant",
        "received": "Received",
        "decided": "Date of decision",
        "outcome": "Decision",
        "grounds": "Legal basis",
        "appeal": "How to appeal",
        "documents": "Documents attached (download them on the case's page in the e-service)",
        "page": "Page",
    },
}
# Typographic characters the PDF core fonts (Latin-1) lack, and what stands in for them.
SUBSTITUTES = str.maketrans(
    {"–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "...", "•": "-"}
)


def latin1(text: str) -> str:
    """Text the core fonts can draw: Swedish and Danish letters stay; other marks are
    folded to their base letter, and what is left becomes '?'."""
    text = text.translate(SUBSTITUTES)
    out = []
    for char in text:
        try:
            char.encode("latin-1")
            out.append(char)
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", char).encode("latin-1", "ignore").decode("latin-1")
            out.append(base or "?")
    return "".join(out)


class _Letter(FPDF):
    def __init__(self, municipality: str, page_word: str) -> None:
        super().__init__(format="A4")
        self.municipality = municipality
        self.page_word = page_word
        self.set_margins(22, 20, 22)
        self.set_auto_page_break(True, margin=20)

    def header(self) -> None:
        self.set_font("Helvetica", "B", 12)
        self.cell(0, 8, latin1(self.municipality), new_x="LMARGIN", new_y="NEXT")
        self.set_draw_color(0, 90, 156)
        self.set_line_width(0.8)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(6)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font("Helvetica", "", 8)
        self.cell(0, 6, f"{self.page_word} {self.page_no()}", align="R")


def decision_letter(view: dict[str, Any], appeal: str, municipality: str, lang: str) -> bytes:
    """`view`: intake's applicant view of a decided case (tracking.public_view)."""
    decision = view["decision"]
    if not decision:
        raise ValueError("the case has no decision yet")
    words = WORDS.get(lang, WORDS["sv"])
    pdf = _Letter(municipality, words["page"])
    pdf.set_title(f"{words['title']} {view['reference']}")
    pdf.set_author(municipality)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 18)
    pdf.cell(0, 12, latin1(f"{words['title']}: {decision['outcome_text']}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    facts = [
        (words["reference"], view["reference"]),
        (words["case_type"], view["case_type_label"]),
        (words["company"], view["company"] or "-"),
        (words["received"], view["received_on"]),
        (words["decided"], decision["decided_on"]),
    ]
    for label, value in facts:
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(42, 6, latin1(label))
        pdf.set_font("Helvetica", "", 10)
        pdf.cell(0, 6, latin1(str(value)), new_x="LMARGIN", new_y="NEXT")
    sections = [
        (words["outcome"], decision.get("answer") or ""),
        (words["grounds"], decision.get("legal_reference") or "-"),
        (words["appeal"], appeal),
        # the decision's documents, named (the files themselves are on the case page)
        (words["documents"], "\n".join(d["filename"] for d in _decision_documents(view))),
    ]
    for heading, text in sections:
        if not text:
            continue
        pdf.ln(5)
        pdf.set_font("Helvetica", "B", 12)
        pdf.cell(0, 7, latin1(heading), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 11)
        pdf.multi_cell(0, 6, latin1(text), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _decision_documents(view: dict[str, Any]) -> list[dict[str, Any]]:
    return [d for d in view.get("documents") or [] if d.get("sent_with") == "case_decided"]
