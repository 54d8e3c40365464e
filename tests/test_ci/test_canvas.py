"""Canvas gradebook import file: layout (golden file), id mapping, options, bad rosters.

tests/data/canvas/gradebook_export.csv is a Canvas gradebook export written by hand
after Canvas's layout (header, "Points Possible" row, a "Manual Posting" row, the
test student, computed score columns); expected_import.csv is what Canvas's importer
must receive for it.  `_canvas_would_accept` restates the importer's header rules
(canvas-lms GradebookImporter) so the layout is checked independently of the golden file.
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from conftest import ROOT
from autograder.ci import canvas
from autograder.cli import main as cli_main

DATA = ROOT / "tests" / "data" / "canvas"
EXPORT = DATA / "gradebook_export.csv"
COLUMN = "CNN step by step (4567)"
ROWS = [
    {"student_id": "kimminji", "score": 100.0, "status": "graded"},
    {"student_id": "leejunho", "score": 72.5, "status": "graded"},
    {"student_id": "sobrien", "score": 33.3333, "status": "graded"},
    {"student_id": "park.haeun@uni.example", "score": 0.0, "status": "timeout"},
    {"student_id": "Choi_Woo", "score": 55.5, "status": "graded"},        # SIS Login ID "Choi Woo", sanitised
    {"student_id": "hsora", "score": 0.0, "status": "error"},             # the engine could not grade it
    {"student_id": "ghost", "score": 88.0, "status": "graded"},           # not enrolled in Canvas
]


def _canvas_would_accept(text: str) -> dict:
    """The checks canvas-lms's GradebookImporter makes before it reads a grade: returns
    {assignment column: {Canvas user ID: cell}} and the points-possible row."""
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    assert len(header) > 3 and "Student" in header[0] and "ID" in header[1]
    student_columns = 3
    if re.search(r"SIS\s+Login\s+ID", header[2]):
        student_columns += 1
    elif re.search(r"SIS\s+User\s+ID", header[2]) and re.search(r"SIS\s+Login\s+ID", header[3]):
        student_columns += 2
    assert "Section" in header[student_columns - 1], "the column before the assignments must be Section"
    assignments = header[student_columns:]
    assert all(re.fullmatch(r".*\S\s+\(\d+\)", a) for a in assignments)
    points, grades = {}, {a: {} for a in assignments}
    for row in rows[1:]:
        assert len(row) == len(header)
        if "Points Possible" in row[0]:
            points = dict(zip(assignments, row[student_columns:]))
            continue
        for assignment, cell in zip(assignments, row[student_columns:]):
            grades[assignment][row[1]] = cell
    return {"grades": grades, "points": points}


def test_import_file_matches_the_golden_file(tmp_path):
    out = tmp_path / "canvas_import.csv"
    remarks = canvas.write_canvas_csv(out, ROWS, EXPORT, assignment="cnn_step_by_step", max_score=100)
    assert out.read_bytes() == (DATA / "expected_import.csv").read_bytes()
    parsed = _canvas_would_accept(out.read_bytes().decode("utf-8-sig"))
    assert parsed["points"] == {COLUMN: "100.00"}
    assert "10006" not in parsed["grades"][COLUMN]     # no submission: left out (Canvas keeps its cell), not zero
    assert any("ghost" in r for r in remarks) and any("hsora" in r for r in remarks)


def test_missing_zero_gives_zero_to_enrolled_students_without_submission(tmp_path):
    out = tmp_path / "canvas_import.csv"
    canvas.write_canvas_csv(out, ROWS, EXPORT, assignment="cnn_step_by_step", max_score=100, missing_zero=True)
    grades = _canvas_would_accept(out.read_text(encoding="utf-8-sig"))["grades"][COLUMN]
    assert grades["10006"] == "0"              # enrolled, nothing submitted
    assert "10099" not in grades               # Canvas's test student has no id to map: left alone
    assert "10007" not in grades               # submitted but could not be graded: not a missing zero
    assert grades["10001"] == "100"


def test_students_can_be_mapped_by_another_roster_column(tmp_path):
    out = tmp_path / "canvas_import.csv"
    rows = [{"student_id": "2024-0002", "score": 40.0, "status": "graded"}]
    canvas.write_canvas_csv(out, rows, EXPORT, assignment="cnn_step_by_step", max_score=100, id_column="SIS User ID")
    grades = _canvas_would_accept(out.read_text(encoding="utf-8-sig"))["grades"][COLUMN]
    assert grades == {"10002": "40"}          # the others are left out: Canvas keeps what it has


def test_ids_match_exactly_first_then_ignoring_case_when_unambiguous(tmp_path):
    out = tmp_path / "canvas_import.csv"
    rows = [{"student_id": "KimMinji", "score": 90.0, "status": "graded"},
            {"student_id": "LEEJUNHO", "score": 10.0, "status": "graded"},
            {"student_id": "leejunho", "score": 20.0, "status": "graded"}]
    remarks = canvas.write_canvas_csv(out, rows, EXPORT, assignment="cnn_step_by_step", max_score=100)
    grades = _canvas_would_accept(out.read_text(encoding="utf-8-sig"))["grades"][COLUMN]
    assert grades["10001"] == "90" and grades["10002"] == "20"
    assert any("LEEJUNHO" in r for r in remarks)


def test_the_assignment_column(tmp_path):
    roster = canvas.load_roster(EXPORT)
    assert canvas.assignment_column(roster, "cnn_step_by_step") == COLUMN        # title matched loosely
    assert canvas.assignment_column(roster, "x", "CNN step by step") == COLUMN   # the export's id completed
    assert canvas.assignment_column(roster, "x", "Quiz 9 (777)") == "Quiz 9 (777)"
    with pytest.raises(canvas.CanvasError, match="--canvas-assignment"):
        canvas.assignment_column(roster, "pooling_lab")
    for not_an_assignment in ("Section", "Current Score", "Unposted Final Score", " "):
        with pytest.raises(canvas.CanvasError, match="not an assignment column"):
            canvas.assignment_column(roster, "x", not_an_assignment)
    # A column the roster does not have: Canvas creates the assignment, worth the grader's total.
    out = tmp_path / "new.csv"
    canvas.write_canvas_csv(out, ROWS, EXPORT, assignment="x", column="CNN quiz", max_score=40)
    parsed = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert parsed[0][-1] == "CNN quiz" and parsed[1] == ["    Points Possible", "", "", "", "", "40"]


def test_points_possible_different_from_the_grader_is_reported(tmp_path):
    remarks = canvas.write_canvas_csv(tmp_path / "c.csv", ROWS, EXPORT, assignment="x",
                                      column="Homework 1 (1201)", max_score=100)
    assert any("10.00" in r and "100" in r for r in remarks)


def _write(path: Path, text: str | bytes) -> Path:
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


@pytest.mark.parametrize("content, options, fragment", [
    (None, {}, "cannot read"),
    (b"", {}, "not a Canvas gradebook export"),
    (b"name,score\nkim,3\n", {}, "not a Canvas gradebook export"),
    ("Student,ID,Section,A (1)\n\xff".encode("latin-1"), {}, "not UTF-8"),
    (b"Student,ID,SIS Login ID,Section,A (1)\nx,1,kim,S,\ny,2,kim,S,\n", {"column": "A (1)"}, "appears twice"),
    (EXPORT.read_bytes(), {"id_column": "Email", "column": COLUMN}, "no column 'Email'"),
    (b"Student,ID,SIS Login ID,Section,A (1)\nx,1,kim,S,,,,9\n", {"column": "A (1)"}, "more cells"),
])
def test_bad_rosters_are_one_line_errors(tmp_path, content, options, fragment):
    roster = tmp_path / "roster.csv" if content is None else _write(tmp_path / "roster.csv", content)
    with pytest.raises(canvas.CanvasError) as info:
        canvas.write_canvas_csv(tmp_path / "out.csv", ROWS, roster, assignment="a", max_score=1, **options)
    assert fragment in str(info.value) and "\n" not in str(info.value)
    assert not (tmp_path / "out.csv").exists()


def test_no_graded_student_in_the_roster_means_the_wrong_id_column(tmp_path):
    rows = [{"student_id": "someone", "score": 1.0, "status": "graded"}]
    with pytest.raises(canvas.CanvasError, match="--canvas-id-column"):
        canvas.write_canvas_csv(tmp_path / "out.csv", rows, EXPORT, assignment="cnn_step_by_step", max_score=100)
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize("extra, fragment", [
    (["--canvas-roster", "/nonexistent/roster.csv"], "cannot read"),
    (["--canvas-assignment", COLUMN], "needs --canvas-roster"),
    (["--canvas-roster", str(EXPORT), "--canvas-id-column", "Email"], "no column 'Email'"),
])
def test_batch_checks_the_canvas_options_before_grading(tmp_path, capsys, extra, fragment):
    # The course does not exist: the Canvas check must fail first, with one line.
    assert cli_main(["batch", "cnn_step_by_step", "--course", str(tmp_path / "nowhere"), *extra]) == 2
    err = capsys.readouterr().err
    assert fragment in err and err.count("\n") == 1
