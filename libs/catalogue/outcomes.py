"""The outcomes a decision may have and their words in every language a deployment
writes: the one source of the outcome labels (notify's decision emails name them)."""

from __future__ import annotations

OUTCOMES: dict[str, dict[str, str]] = {
    "granted": {"sv": "Beviljat", "en": "Granted", "da": "Tilladelse givet"},
    "granted_with_conditions": {
        "sv": "Beviljat med villkor",
        "en": "Granted with conditions",
        "da": "Tilladelse givet med vilkår",
    },
    "refused": {"sv": "Avslag", "en": "Refused", "da": "Afslag"},
    "answered": {"sv": "Besvarat", "en": "Answered", "da": "Besvaret"},
}


def outcome_label(outcome: str, language: str) -> str:
    """The outcome in `language` (English where it has no word in it; the id if unknown)."""
    words = OUTCOMES.get(outcome, {})
    return words.get(language) or words.get("en") or outcome
