"""Full-text search over cases without a text index (the embedded store has none): each
case keeps a normalised token array under a multikey index, queried with `$all`. Pure."""

from __future__ import annotations

import re
import unicodedata

MIN_PREFIX = 3
MAX_PREFIX = 12
WORD = re.compile(r"[0-9a-z]+")


def fold(text: str) -> str:
    """Lower case, accents folded (å -> a, é -> e), so users may type either."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    return WORD.findall(fold(text))


def tokens(*texts: str | None, prefixed: int = 2) -> list[str]:
    """Every word; for the first `prefixed` texts (reference, company) also their prefixes
    (3 to 12 characters), for search-as-you-type; the others (a description) by whole words,
    to keep the index small. Organisation numbers are also indexed as a run of digits
    ("556036-0793" -> "5560360793")."""
    found: set[str] = set()
    for index, text in enumerate(texts):
        if not text:
            continue
        for word in words(text):
            found.add(word)
            if index < prefixed:
                found.update(word[:n] for n in range(MIN_PREFIX, min(len(word), MAX_PREFIX) + 1))
        digits = re.sub(r"\D", "", text)
        if len(digits) >= 6 and re.fullmatch(r"[\d\s-]+", text.strip()):
            found.add(digits)
    return sorted(found)


def query_terms(query: str) -> list[str]:
    """The tokens a query must all match: its words, cut to the longest indexed prefix."""
    terms = {w[:MAX_PREFIX] if len(w) > MAX_PREFIX else w for w in words(query)}
    digits = re.sub(r"\D", "", query)
    if len(digits) >= 6 and re.fullmatch(r"[\d\s-]+", query.strip()):
        terms = {digits}
    return sorted(terms)
