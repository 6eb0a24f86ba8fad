"""Who holds a voucher, as a provider may see them: the citizen's initials, never their
name, personnummer or the voucher's id ("A.-K. L." for Anna-Karin Lind)."""

from __future__ import annotations


def initials(name: str | None) -> str | None:
    """A name's initials: each name's first letter with a full stop, a double name's parts
    joined by its hyphen ("Anna-Karin Lind" -> "A.-K. L.", "Cher" -> "C."). None for no name
    (never given, or erased): the page says so in its own words."""
    if not name:
        return None
    words = [_of_word(word) for word in name.split()]
    said = " ".join(word for word in words if word)
    return said or None


def _of_word(word: str) -> str:
    letters = [_first_letter(part) for part in word.split("-")]
    return "-".join(f"{letter}." for letter in letters if letter)


def _first_letter(part: str) -> str:
    return next((c.upper() for c in part if c.isalpha()), "")
