"""CSV that a spreadsheet program opens as data, never as formulas (OWASP "CSV
injection"): a text cell that starts with = + - @ TAB or CR, the characters that make
Excel, LibreOffice and Google Sheets evaluate it, is prefixed with a single quote. The
csv module quotes any cell holding the separator, a quote or a line break, so a cell
cannot spill into the next one either. Numbers stay numbers (a negative count is data)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: Any) -> Any:
    """The cell as a spreadsheet must show it: text that would start a formula gets a
    leading single quote; anything that is not text is left alone."""
    if isinstance(cell, str) and cell.startswith(FORMULA_TRIGGERS):
        return "'" + cell
    return cell


def csv_lines(rows: Iterable[Iterable[Any]], delimiter: str = ",") -> Iterator[str]:
    """Each row's text as it is written, its cells neutralised: the one way the services
    write CSV. Lazy, so an export streams row by row as its rows are read."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
        yield out.getvalue()
        out.seek(0)
        out.truncate()


def csv_text(rows: Iterable[Iterable[Any]], delimiter: str = ",") -> str:
    """Every row written (csv_lines), as one text."""
    return "".join(csv_lines(rows, delimiter))


def localised(cell: Any, decimal: str) -> Any:
    """A number as the locale writes it (a decimal comma: Swedish Excel reads 0,5 as a
    number and 0.5 as text); anything else neutralised."""
    if isinstance(cell, bool):
        return str(cell)
    if isinstance(cell, float):
        return repr(round(cell, 6)).replace(".", decimal)
    return neutralise(cell)


def excel_csv(rows: Iterable[Iterable[Any]], lang: str) -> str:
    """CSV as the spreadsheet program of the page's language opens it: a byte-order mark,
    so it reads the UTF-8; in Swedish and Danish semicolon-separated with a decimal comma
    (the comma is their decimal sign), in English comma-separated with a decimal point."""
    comma = lang in ("sv", "da")
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";" if comma else ",")
    for row in rows:
        writer.writerow([localised(cell, "," if comma else ".") for cell in row])
    return out.getvalue()


def xlsx_bytes(rows: Iterable[Iterable[Any]], title: str) -> bytes:
    """The rows as an Excel workbook (openpyxl): numbers stay numbers, text that would start
    a formula is neutralised like the CSV's, the first row (the headers) bold and frozen."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    for index, row in enumerate(rows):
        sheet.append([neutralise(cell) for cell in row])
        if index == 0:
            for cell in sheet[1]:
                cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
