"""Organisation numbers: Swedish organisationsnummer and Danish CVR, via python-stdnum."""

from __future__ import annotations

from stdnum.dk import cvr
from stdnum.exceptions import ValidationError
from stdnum.se import orgnr


def parse_organisation_number(value: str) -> tuple[str, str]:
    """Returns (country, formatted number) or raises ValueError."""
    digits = "".join(ch for ch in value if ch.isdigit())
    try:
        if len(digits) == 10:
            return "SE", orgnr.format(orgnr.validate(digits))
        if len(digits) == 8:
            return "DK", cvr.validate(digits)
    except ValidationError as exc:
        raise ValueError("checksum") from exc
    raise ValueError("length")
