"""The voucher holder as a provider sees them: initials only."""

from __future__ import annotations

import pytest

from vouchers.domain.holders import initials


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("Anna Lind", "A. L."),
        ("Anna-Karin Lind", "A.-K. L."),
        ("Anna Lind-Öberg", "A. L.-Ö."),
        ("Cher", "C."),
        ("  åsa   von   dahl ", "Å. V. D."),
        ("Sinéad O'Connor", "S. O."),
        ("Jean- Paul", "J. P."),
    ],
)
def test_a_name_is_its_initials(name, said):
    assert initials(name) == said


@pytest.mark.parametrize("name", [None, "", "   ", "- -", "1234"])
def test_no_name_no_initials(name):
    assert initials(name) is None
