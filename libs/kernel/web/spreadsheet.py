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
