"""How Canvas's gradebook importer reads a CSV file, restated for reading exports and writing imports.

Facts taken from canvas-lms (``app/models/gradebook_importer.rb``, read 2026-12):

* Delimiter: the importer reads the first three lines of the file, splits each with ``;`` and with
  ``,``; a separator whose three lines give the same number of fields scores that number (else 0);
  ``;`` is used only when it scores more than ``,``.  Exports made with Canvas's "semicolon" option
  (for locales writing a decimal comma) are therefore read as such, and a comma file always is.
* Numbers: every field that looks like ``-?[0-9.,]+%?`` is normalised: all ``.``/``,`` but the last
  are dropped and the last becomes the decimal point (``77,5`` and ``77.5`` both mean 77.5;
  ``1,234.5`` means 1234.5, but ``1,000`` means 1.000).  So a score is written without a
  thousands separator, with the export's decimal mark.
* Lines made only of ``;``, ``,`` and spaces are skipped; the first row is the header; a row whose
  first cell contains ``Points Possible`` sets points (a cell saying ``read only`` marks a column
  Canvas will not import); a row whose cells are all blank, ``Muted`` or ``Manual Posting...`` is
  skipped; every other row is a student.
* A byte-order mark before ``Student`` is harmless (the header test is "contains Student").
* A student's cell is compared with the gradebook's current score (``EX`` when excused): equal, or
  both "no score" (blank or ``-``), is no change; **a blank cell where a score or EX exists is a
  change, and removes it**.  Students who have no row in the file are not looked at at all.
"""
from __future__ import annotations

import csv
import io
import re

_NUMBER = re.compile(r"^-?[0-9.,]+%?$")
_SEPARATORS_ONLY = re.compile(r"^[;, ]+$")
_POSTING = re.compile(r"^\s*(Muted|Manual Posting.*)?\s*$", re.IGNORECASE)
READ_ONLY = re.compile(r"read\s+only")


def detect_delimiter(text: str) -> str:
    """``;`` or ``,``, decided as Canvas's importer decides it (see the module docstring)."""
    lines = text.splitlines(keepends=True)[:3]
    scores = {}
    for separator in (";", ","):
        try:
            counts = {len(next(csv.reader([line], delimiter=separator, strict=True), [])) for line in lines}
        except csv.Error:   # Canvas: a line that does not parse with this separator disqualifies it
            counts = set()
        scores[separator] = counts.pop() if len(counts) == 1 else 0
    return ";" if scores[";"] > scores[","] else ","


def canvas_number(field: str) -> str:
    """The field as Canvas's importer sees it after its decimal-comma conversion."""
    if not _NUMBER.match(field):
        return field
    parts = re.split(r"[,.]", field)
    last = parts.pop()
    return "".join(parts) + "." + last if parts else last


def read_rows(text: str, delimiter: str) -> list[list[str]]:
    """The rows Canvas's importer reads (separator-only lines skipped); ``csv.Error`` if unreadable."""
    lines = [line for line in text.splitlines(keepends=True) if not _SEPARATORS_ONLY.match(line.rstrip("\r\n"))]
    return list(csv.reader(io.StringIO("".join(lines), newline=""), delimiter=delimiter))


def is_points_row(cells: list[str]) -> bool:
    return bool(cells) and "Points Possible" in cells[0]


def is_posting_row(cells: list[str]) -> bool:
    """The "Manual Posting" / "Muted" row of an export: describes columns, holds no student."""
    return all(_POSTING.match(cell) for cell in cells)


def no_score(cell: str) -> bool:
    return not cell.strip() or cell.strip() == "-"


def format_points(value: float, delimiter: str) -> str:
    """A score as the export writes numbers: at most two decimals, the decimal comma of a ``;`` export."""
    text = f"{round(value, 2):.2f}".rstrip("0").rstrip(".")
    text = text if text != "-0" else "0"
    return text.replace(".", ",") if delimiter == ";" else text
