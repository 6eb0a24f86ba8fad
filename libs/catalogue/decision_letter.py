"""The decision letter's words: the one source of what an applicant is told of a decision,
in notify's decision email and in the letter the handler previews and sees on the case
page. The appeal is the case type's own (configured: a question's answer cannot be
appealed, a Danish appeal has four weeks), sent to the municipality's configured address."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from catalogue.casetypes import Catalogue
from catalogue.outcomes import outcome_label
from kernel.web.formats import day

WORDS: dict[str, dict[str, str]] = {
    "sv": {
        "subject": "Beslut i ärende {reference}: {outcome}",
        "greeting": "Hej {name},",
        "greeting_unnamed": "Hej,",
        "decided": "{municipality} har fattat beslut i ditt ärende {reference} den {decided_on}.",
        "outcome": "Beslut: {outcome}",
        "legal_basis": "Beslutet är fattat med stöd av {legal_reference}.",
        "appeal_to": "Skicka överklagandet till {address} och ange ärendenummer {reference}.",
        "regards": "Med vänlig hälsning",
        "signature": "{handler}, {municipality}",
        "document": (
            "Kommunen har bifogat en handling till dig. Du hämtar den på ditt ärendes sida i e-tjänsten."
        ),
        "documents": (
            "Kommunen har bifogat {count} handlingar till dig. "
            "Du hämtar dem på ditt ärendes sida i e-tjänsten."
        ),
        "municipality": "Kommunen",
    },
    "en": {
        "subject": "Decision in case {reference}: {outcome}",
        "greeting": "Hello {name},",
        "greeting_unnamed": "Hello,",
        "decided": "{municipality} decided your case {reference} on {decided_on}.",
        "outcome": "Decision: {outcome}",
        "legal_basis": "The decision is based on {legal_reference}.",
        "appeal_to": "Send your appeal to {address} and quote case reference {reference}.",
        "regards": "Kind regards",
        "signature": "{handler}, {municipality}",
        "document": (
            "The municipality has attached a document for you. "
            "You download it on your case's page in the e-service."
        ),
        "documents": (
            "The municipality has attached {count} documents for you. "
            "You download them on your case's page in the e-service."
        ),
        "municipality": "The municipality",
    },
    "da": {
        "subject": "Afgørelse i sag {reference}: {outcome}",
        "greeting": "Hej {name},",
        "greeting_unnamed": "Hej,",
        "decided": "{municipality} har truffet afgørelse i din sag {reference} den {decided_on}.",
        "outcome": "Afgørelse: {outcome}",
        "legal_basis": "Afgørelsen er truffet efter {legal_reference}.",
        "appeal_to": "Send klagen til {address}, og oplys sagsnummer {reference}.",
        "regards": "Med venlig hilsen",
        "signature": "{handler}, {municipality}",
        "document": (
            "Kommunen har vedhæftet et dokument til dig. Du henter det på din sags side i e-tjenesten."
        ),
        "documents": (
            "Kommunen har vedhæftet {count} dokumenter til dig. Du henter dem på din sags side i e-tjenesten."
        ),
        "municipality": "Kommunen",
    },
}


@dataclass(frozen=True)
class DecisionLetter:
    language: str
    subject: str
    greeting: str
    body: tuple[str, ...]  # paragraphs: the decision, its grounds, how to appeal
    closing: tuple[str, ...]  # the regards and the signature

    @property
    def paragraphs(self) -> tuple[str, ...]:
        return (self.greeting, *self.body, *self.closing)


def decision_letter(
    catalogue: Catalogue,
    case_type: str | None,
    language: str,
    *,
    reference: str,
    outcome: str,
    decided_on: date | str,
    answer: str | None,
    legal_reference: str,
    handler: str,
    name: str | None,
    documents: int = 0,
) -> DecisionLetter:
    """The letter in `language` (Swedish where it has no words). `answer` None: the
    decision's text was erased, and the letter goes without it. `documents`: how many the
    handler attached (the files stay on the case's page)."""
    lang = language if language in WORDS else "sv"
    words = WORDS[lang]
    municipality = catalogue.municipality.get("name") or words["municipality"]
    label = outcome_label(outcome, lang)
    body = [
        words["decided"].format(
            municipality=municipality, reference=reference, decided_on=day(decided_on, lang)
        ),
        words["outcome"].format(outcome=label),
        *([answer] if answer else []),
        words["legal_basis"].format(legal_reference=legal_reference),
        *appeal(catalogue, case_type, lang, reference),
        *attached(words, documents),
    ]
    return DecisionLetter(
        language=lang,
        subject=words["subject"].format(reference=reference, outcome=label),
        greeting=words["greeting"].format(name=name) if name else words["greeting_unnamed"],
        body=tuple(body),
        closing=(words["regards"], words["signature"].format(handler=handler, municipality=municipality)),
    )


def attached(words: dict[str, str], documents: int) -> list[str]:
    """That the handler attached documents, and where the applicant finds them."""
    if not documents:
        return []
    return [words["document"] if documents == 1 else words["documents"].format(count=documents)]


def appeal(catalogue: Catalogue, case_type: str | None, language: str, reference: str) -> list[str]:
    """How to appeal: the case type's configured text, and where to send the appeal when the
    outcome can be appealed and the municipality's postal address is configured. Nothing
    where the text is not configured."""
    known = catalogue.case_types.get(case_type) if case_type else None
    texts = known.appeal if known else {}
    text = texts.get(language) or texts.get("en")
    if not text:
        return []
    address = catalogue.municipality.get("address") if known and known.appealable else None
    words = WORDS.get(language, WORDS["sv"])
    return [text, words["appeal_to"].format(address=address, reference=reference)] if address else [text]
