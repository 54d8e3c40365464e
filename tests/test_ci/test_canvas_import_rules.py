"""The Canvas import file as Canvas's gradebook importer would apply it: nobody loses a grade.

`importer` below restates, independently of autograder/ci/canvas*.py, what canvas-lms's
GradebookImporter (app/models/gradebook_importer.rb) does with an uploaded CSV: the delimiter
guessed from the first three lines (";" only when it splits them more consistently than ","),
the decimal-comma conversion of number-like fields, separator-only lines skipped, the header
checks, the "Points Possible" row (a "read only" cell drops the column), the Manual Posting /
Muted row skipped, and a cell compared with the gradebook's current score: equal, or both
"no score" (blank or "-"), is no change; anything else, a blank included, replaces the score.
Students without a row are not touched.  The gradebook before the upload is the export itself.
"""
from __future__ import annotations

import csv
import io
import re

import pytest

from autograder.ci import canvas

COLUMN = "CNN step by step (4567)"
BOM = "\ufeff"

# What Canvas exports (Grades > Export > Export Entire Gradebook): BOM, Points Possible row,
# Manual Posting row, computed read-only columns, names with commas, quotes and Hangul.
EXPORT_ROWS = [
    ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Homework 1 (1201)", COLUMN,
     "Assignments Current Points", "Current Score", "Unposted Final Score"],
    ["    Points Possible", "", "", "", "", "10.00", "100.00", "(read only)", "(read only)", "(read only)"],
    ["", "", "", "", "", "", "Manual Posting", "", "", ""],
    ["김민지", "10001", "2024-0001", "kimminji", "CNN Unit A", "9.00", "77.00", "9.00", "90.00", "90.00"],
    ["Lee, Jun-ho", "10002", "2024-0002", "leejunho", "CNN Unit A", "8.00", "50.00", "8.00", "80.00", "80.00"],
    ["O'Brien, \"Shiv\" Siobhán", "10003", "2024-0003", "sobrien", "CNN Unit B", "10.00", "EX", "10.00", "100.00",
     "100.00"],
    ["Park, Ha-eun", "10004", "2024-0004", "park.haeun", "CNN Unit B", "7.50", "", "7.50", "75.00", "75.00"],
    ["Choi, Woo", "10005", "2024-0005", "choiwoo", "CNN Unit B", "", "", "0.00", "", ""],
    ["Jung, Daniel", "10006", "2024-0006", "jdaniel", "CNN Unit A", "6.00", "-", "6.00", "60.00", "60.00"],
    ["Han, Sora", "10007", "2024-0007", "hsora", "CNN Unit A", "9.50", "95.50", "9.50", "95.00", "95.00"],
    ["Yoon, Seo", "10008", "2024-0008", "yseo", "CNN Unit A", "", "61.25", "", "", ""],
    ["Student, Test", "10099", "", "", "CNN Unit A", "", "12.00", "0.00", "", ""],
]
GRADES = [
    {"student_id": "leejunho", "score": 72.5, "status": "graded"},       # had 50: replaced
    {"student_id": "sobrien", "score": 90.0, "status": "graded"},        # excused in Canvas: stays EX
    {"student_id": "park.haeun", "score": 0.0, "status": "timeout"},     # empty before: 0
    {"student_id": "hsora", "score": 0.0, "status": "error"},            # not graded: keeps 95.50
    {"student_id": "yseo", "score": 1234.567, "status": "graded"},       # no thousands separator, 2 decimals
]


def export_bytes(delimiter: str, decimal_comma: bool) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    for row in EXPORT_ROWS:
        cells = [re.sub(r"^(-?\d+)\.(\d+)$", r"\1,\2", c) if decimal_comma else c for c in row]
        writer.writerow(cells)
    return (BOM + out.getvalue()).encode("utf-8")


# -- Canvas's importer, restated ------------------------------------------------------------------

def _delimiter(text: str) -> str:
    scores = {}
    for sep in (";", ","):
        try:
            sizes = {len(next(csv.reader([line], delimiter=sep, strict=True))) for line in text.splitlines()[:3]}
        except csv.Error:
            sizes = set()
        scores[sep] = sizes.pop() if len(sizes) == 1 else 0
    return ";" if scores[";"] > scores[","] else ","


def _decimal(field: str) -> str:
    if not re.fullmatch(r"-?[0-9.,]+%?", field):
        return field
    *head, last = re.split(r"[.,]", field)
    return f"{''.join(head)}.{last}" if head else last


def importer(data: bytes) -> dict:
    """{'delimiter', 'assignments': {title: index}, 'points', 'read_only', 'students': [(id, name, cells)]}"""
    text = data.decode("utf-8")          # the BOM stays in the first cell, as Ruby's CSV reads it
    sep = _delimiter(text)
    lines = [line for line in text.splitlines() if not re.fullmatch(r"[;, ]+", line)]
    rows = [[_decimal(c) for c in row] for row in csv.reader(io.StringIO("\n".join(lines)), delimiter=sep)]
    header = rows[0]
    assert len(header) > 3 and "Student" in header[0] and "ID" in header[1], "Invalid header row"
    count = 3
    if re.search(r"SIS\s+Login\s+ID", header[2]):
        count += 1
    elif re.search(r"SIS\s+User\s+ID", header[2]) and re.search(r"SIS\s+Login\s+ID", header[3]):
        count += 2
    assert "Section" in header[count - 1], "Invalid header row"
    computed = re.compile("Current Score|Current Points|Current Grade|Final Score|Final Points|Final Grade|"
                          "Override Score|Override Grade|Override Status")
    assignments = {h: i for i, h in enumerate(header) if i >= count and not computed.search(h)}
    parsed = {"delimiter": sep, "assignments": assignments, "points": {}, "read_only": set(), "students": []}
    for row in rows[1:]:
        if "Points Possible" in row[0]:
            parsed["points"] = {h: row[i] for h, i in assignments.items() if i < len(row)}
            parsed["read_only"] = {h for h, v in parsed["points"].items() if re.search(r"read\s+only", v)}
        elif all(re.fullmatch(r"\s*(Muted|Manual Posting.*)?\s*", c, re.IGNORECASE) for c in row):
            continue
        else:
            parsed["students"].append((row[1], row[0], {h: row[i].strip() for h, i in assignments.items()}))
    return parsed


def _no_score(value: str) -> bool:
    return value.strip() in ("", "-")


def _unchanged(new: str, current: str) -> bool:
    if new == current or (_no_score(new) and _no_score(current)):
        return True
    if _no_score(new) or _no_score(current) or "EX" in (new.upper(), current.upper()):
        return False
    return f"{float(new):.2f}" == f"{float(current):.2f}"


def gradebook(export: bytes) -> dict[str, dict[str, str]]:
    return {sid: cells for sid, _, cells in importer(export)["students"]}


def upload(book: dict, data: bytes) -> dict:
    """The gradebook after Canvas imports ``data``."""
    book = {sid: dict(cells) for sid, cells in book.items()}
    parsed = importer(data)
    for sid, _, cells in parsed["students"]:
        for title, new in cells.items():
            if title in parsed["read_only"]:
                continue
            current = book.setdefault(sid, {}).get(title, "")
            if not _unchanged(new, current):
                book[sid][title] = new
    return book


# -- the tests -------------------------------------------------------------------------------------

VARIANTS = {"comma": (",", False), "semicolon, decimal comma": (";", True)}


@pytest.mark.parametrize("variant", VARIANTS)
def test_nobody_loses_a_grade_and_the_new_grades_arrive(tmp_path, variant):
    export = tmp_path / "export.csv"
    export.write_bytes(export_bytes(*VARIANTS[variant]))
    assert importer(export.read_bytes())["delimiter"] == VARIANTS[variant][0]      # Canvas reads it so
    before = gradebook(export.read_bytes())
    assert before["10001"][COLUMN] == "77.00" and before["10007"][COLUMN] == "95.50"
    out = tmp_path / "import.csv"
    remarks = canvas.write_canvas_csv(out, GRADES, export, assignment="cnn_step_by_step", max_score=100)
    after = upload(before, out.read_bytes())
    changed = {sid: after[sid][COLUMN] for sid in after if after[sid][COLUMN] != before[sid][COLUMN]}
    assert {sid: float(v) if v else "erased" for sid, v in changed.items()} == {"10002": 72.5, "10004": 0.0,
                                                                                 "10008": 1234.57}
    assert after["10001"][COLUMN] == "77.00"           # no new grade: kept (the old file erased it)
    assert after["10003"][COLUMN] == "EX"              # excused: not overwritten
    assert after["10007"][COLUMN] == "95.50"           # could not be graded: kept
    assert after["10099"][COLUMN] == "12.00"           # Canvas's test student: kept
    assert any("sobrien" in r and "EX" in r for r in remarks) and any("hsora" in r for r in remarks)


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_file_follows_the_export_convention_and_keeps_names_intact(tmp_path, variant):
    delimiter, decimal_comma = VARIANTS[variant]
    export = tmp_path / "export.csv"
    export.write_bytes(export_bytes(delimiter, decimal_comma))
    out = tmp_path / "import.csv"
    canvas.write_canvas_csv(out, GRADES, export, assignment="cnn_step_by_step", max_score=100)
    data = out.read_bytes()
    assert data.startswith(BOM.encode())
    parsed = importer(data)
    assert parsed["delimiter"] == delimiter and list(parsed["assignments"]) == [COLUMN]
    assert float(parsed["points"][COLUMN]) == 100.0
    names = {sid: name.lstrip(BOM) for sid, name, _ in importer(export.read_bytes())["students"]}
    written = {sid: name for sid, name, _ in parsed["students"]}
    assert written == {sid: names[sid] for sid in ("10002", "10004", "10008")}   # only the rows given a grade
    raw = data.decode("utf-8-sig")
    assert ("72,5" in raw) == decimal_comma and ("1234" in raw) and "1,234" not in raw and "1.234" not in raw


def test_missing_zero_fills_only_cells_the_export_shows_empty(tmp_path):
    export = tmp_path / "export.csv"
    export.write_bytes(export_bytes(",", False))
    before = gradebook(export.read_bytes())
    out = tmp_path / "import.csv"
    remarks = canvas.write_canvas_csv(out, GRADES, export, assignment="cnn_step_by_step", max_score=100,
                                      missing_zero=True)
    after = upload(before, out.read_bytes())
    assert after["10005"][COLUMN] == "0"               # enrolled, nothing submitted, empty in Canvas
    assert after["10006"][COLUMN] == "0"               # "-" is no score in Canvas too
    assert after["10001"][COLUMN] == "77.00"           # a score already there: no zero over it
    assert any("kimminji" in r for r in remarks)


def test_a_read_only_column_is_refused(tmp_path):
    rows = [list(r) for r in EXPORT_ROWS]
    rows[0][5] = "Attendance (1300)"
    rows[1][5] = "(read only)"
    export = tmp_path / "export.csv"
    export.write_text(BOM + "".join(",".join(f'"{c}"' for c in r) + "\r\n" for r in rows), encoding="utf-8")
    with pytest.raises(canvas.CanvasError, match="read only") as info:
        canvas.write_canvas_csv(tmp_path / "o.csv", GRADES, export, assignment="x", column="Attendance (1300)",
                                max_score=100)
    assert "\n" not in str(info.value)
