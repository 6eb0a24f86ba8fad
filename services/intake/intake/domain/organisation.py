"""Organisation numbers: Swedish organisationsnummer and Danish CVR, via python-stdnum."""

from __future__ import annotations

from stdnum.dk import cvr
from stdnum.exceptions import ValidationError
from stdnum.se import orgnr

# the century prefix a Swedish organisation number is written with in its 12-digit form
# (Skatteverket's "16" for a legal person): 16556036-0793 is 556036-0793
SE_CENTURY_PREFIX = "16"


def parse_organisation_number(value: str) -> tuple[str, str]:
    """Returns (country, formatted number) or raises ValueError. A Swedish number is kept
    in its normal 10-digit form (556036-0793) however it was written."""
    digits = "".join(ch for ch in value if ch.isdigit())
    if len(digits) == 12 and digits.startswith(SE_CENTURY_PREFIX):
        digits = digits[len(SE_CENTURY_PREFIX) :]
    try:
        if len(digits) == 10:
            return "SE", orgnr.format(orgnr.validate(digits))
        if len(digits) == 8:
            return "DK", cvr.validate(digits)
    except ValidationError as exc:
        raise ValueError("checksum") from exc
    raise ValueError("length")
