"""A CSV that Canvas's gradebook import accepts, made from the grades and a roster.

The roster is the instructor's own Canvas gradebook export (Grades > Export > Export
Entire Gradebook).  What Canvas's importer (``GradebookImporter`` in canvas-lms) needs:

* a header row whose first cell contains ``Student`` and second ``ID``, then either
  ``Section`` or ``SIS Login ID, Section`` or ``SIS User ID, SIS Login ID, Section``: the
  column just before the first assignment must be ``Section``;
* one column per assignment, titled ``<name> (<canvas assignment id>)``: matched by the id,
  else by the title; an unknown title creates a new assignment;
* optionally a row whose first cell contains ``Points Possible`` (it sets the points of
  the columns it fills);
* one row per student, found by the Canvas user ``ID``, else the SIS User ID, else the
  SIS Login ID, else the name.  An empty cell where Canvas has a score (or EX) is a
  change that **removes** that score; a student without a row is left untouched.
The importer's reading rules (delimiter, decimal comma, skipped rows) are in
:mod:`autograder.ci.canvas_csv`.

So the file written here is the export's own layout, cut to the five student columns
and the one assignment column: ``Student, ID, SIS User ID, SIS Login ID, Section,
<assignment>``, with the export's delimiter and decimal mark, and a row only for the
students it gives a grade to, in roster order.  Everyone else is left out rather than
copied through from the export: a copied value would overwrite a grade entered in Canvas
after the export was taken, while a missing row changes nothing.  For the same reason a
student the export shows as excused (EX) is left out, and ``--canvas-missing-zero`` only
fills cells the export shows empty.  Roster rows map to nbgrader
student ids through one roster column (``SIS Login ID`` unless told otherwise), its
values sanitised exactly as ``autograder batch`` names students.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..feedback.report import write_atomic
from .canvas_csv import (READ_ONLY, canvas_number, detect_delimiter, format_points, is_points_row,
                         is_posting_row, no_score, read_rows)

STUDENT_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
POINTS_POSSIBLE = "    Points Possible"   # as Canvas writes it; the importer looks for the words
DEFAULT_ID_COLUMN = "SIS Login ID"
_WITH_ID = re.compile(r"^(?P<title>.*\S)\s+\((?P<id>\d+)\)$")
_COMPUTED = re.compile(r"\b(Current|Final|Override) (Score|Points|Grade|Status)\b")   # read-only in Canvas
_UNSCORED = {"error"}   # statuses whose total is not a grade (the engine could not grade)


class CanvasError(Exception):
    """The roster or the options are unusable; ``str()`` is one line."""


@dataclass
class Roster:
    path: Path
    header: list[str]
    students: list[dict[str, str]]
    points_possible: dict[str, str] = field(default_factory=dict)
    bom: bool = False
    delimiter: str = ","


def load_roster(path: str | Path) -> Roster:
    """Read a Canvas gradebook export; a bad file is one :class:`CanvasError` line."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CanvasError(f"{path}: cannot read the Canvas roster ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CanvasError(f"{path}: not UTF-8 text; export the gradebook from Canvas again "
                          "(Grades > Export > Export Entire Gradebook)") from None
    detected = detect_delimiter(text)
    for delimiter in (detected, ";" if detected == "," else ","):   # Canvas's guess first; an export it
        try:                                                         # reads either way is read either way
            rows = read_rows(text, delimiter)
        except csv.Error as exc:
            raise CanvasError(f"{path}: not a readable CSV file ({exc})") from None
        header = [cell.strip() for cell in rows[0]] if rows else []
        if "Student" in header and "ID" in header:
            break
    if "Student" not in header or "ID" not in header:
        raise CanvasError(f"{path}: not a Canvas gradebook export (its first row has no 'Student' and 'ID' "
                          "columns); export it from Grades > Export > Export Entire Gradebook")
    roster = Roster(path, header, [], bom=raw.startswith(b"\xef\xbb\xbf"), delimiter=delimiter)
    for number, cells in enumerate(rows[1:], start=2):
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
            raise CanvasError(f"{path}: row {number} has more cells than the header")
        row = dict(zip(header, (c.strip() for c in cells)))
        if is_points_row(cells):
            roster.points_possible = row
        elif not is_posting_row(cells) and (row.get("Student") or row.get("ID")):
            roster.students.append(row)
    return roster


def _norm(title: str) -> str:
    return re.sub(r"[\s_-]+", " ", title).strip().casefold()


def assignment_column(roster: Roster, assignment: str, requested: str | None = None) -> str:
    """The gradebook column for ``assignment``: ``requested`` (completed with the roster's
    ``(id)`` when it names one of its columns by title), else the roster's only column
    whose title is the assignment's name."""
    columns = [c for c in roster.header if c not in STUDENT_COLUMNS and _WITH_ID.match(c)]
    if requested is not None and (not requested.strip() or requested in STUDENT_COLUMNS
                                  or _COMPUTED.search(requested)):
        raise CanvasError(f"--canvas-assignment '{requested}' is not an assignment column: give the "
                          "assignment's column title from the export, like 'Homework 3 (12345)'")
    if requested and READ_ONLY.search(roster.points_possible.get(requested, "")):
        raise CanvasError(f"--canvas-assignment '{requested}' is read only in Canvas (its Points Possible cell says "
                          "so): Canvas's importer ignores it; give an assignment column")
    if requested:
        if requested in roster.header or _WITH_ID.match(requested):
            return requested
        same = [c for c in columns if _WITH_ID.match(c)["title"] == requested]
        return same[0] if len(same) == 1 else requested    # otherwise Canvas creates a new assignment
    same = [c for c in columns if _norm(_WITH_ID.match(c)["title"]) == _norm(assignment)]
    if len(same) == 1:
        return same[0]
    found = f"several columns match: {', '.join(same)}" if same else "no column has that title"
    raise CanvasError(f"{roster.path}: {found} for assignment '{assignment}'; pass --canvas-assignment "
                      "'<name> (<id>)' with the column title of the export")


def _student_index(roster: Roster, id_column: str) -> dict[str, int]:
    from ..course.batch import safe_student_id   # the grading stack: only when a roster is really used
    if id_column not in roster.header:
        choices = ", ".join(c for c in roster.header if c in STUDENT_COLUMNS or not _WITH_ID.match(c))
        raise CanvasError(f"{roster.path}: no column '{id_column}' to match nbgrader student ids with "
                          f"(--canvas-id-column); the roster has: {choices}")
    index: dict[str, int] = {}
    for position, row in enumerate(roster.students):
        value = row.get(id_column, "")
        if not value:
            continue   # a student Canvas knows but nbgrader cannot (e.g. Canvas's test student): kept, no grade
        key = safe_student_id(value)
        if key in index:
            raise CanvasError(f"{roster.path}: {id_column} '{value}' appears twice (students "
                              f"'{roster.students[index[key]].get('Student')}' and '{row.get('Student')}')")
        index[key] = position
    return index


def _match(student_id: str, index: dict[str, int], folded: dict[str, list[int]]) -> int | None:
    """Exact id first; otherwise a case-insensitive match, when it is the only one."""
    if student_id in index:
        return index[student_id]
    candidates = folded.get(student_id.casefold(), [])
    return candidates[0] if len(candidates) == 1 else None


@dataclass
class CanvasExport:
    """A roster checked against the options, ready to take grades (validate before grading)."""
    roster: Roster
    column: str
    id_column: str = DEFAULT_ID_COLUMN
    missing_zero: bool = False
    index: dict[str, int] = field(default_factory=dict)

    def __post_init__(self):
        self.index = _student_index(self.roster, self.id_column)

    def current(self, position: int) -> str:
        """What the export shows in the assignment column for this roster row ("" for a new column)."""
        return canvas_number(self.roster.students[position].get(self.column, "").strip())

    def write(self, path: str | Path, rows: list[dict], max_score: float) -> list[str]:
        """Write the import file; return remarks for the instructor (unmatched students...)."""
        delimiter = self.roster.delimiter
        folded: dict[str, list[int]] = {}
        for key, position in self.index.items():
            folded.setdefault(key.casefold(), []).append(position)
        exact = [row for row in rows if row["student_id"] in self.index]
        others = [row for row in rows if row["student_id"] not in self.index]
        grades: dict[int, str] = {}
        taken: set[int] = set()
        unmatched, ungraded, excused, kept = [], [], [], []
        for row in exact + others:   # an exact id wins a roster row over a case-insensitive one
            position = _match(row["student_id"], self.index, folded)
            if position is None or position in taken:
                unmatched.append(row["student_id"])
                continue
            taken.add(position)   # submitted: never a "missing" zero, even if it could not be graded
            status = str(row.get("status", ""))
            if status in _UNSCORED or status.startswith("gradebook"):
                ungraded.append(row["student_id"])
            elif self.current(position).casefold() == "ex":
                excused.append(row["student_id"])
            else:
                grades[position] = format_points(float(row["score"]), delimiter)
        if rows and not grades and not ungraded and not excused:
            raise CanvasError(f"none of the {len(rows)} graded students matches a '{self.id_column}' of "
                              f"{self.roster.path}; choose the roster column that holds nbgrader's student "
                              "ids with --canvas-id-column")
        if self.missing_zero:
            for position in sorted(set(self.index.values()) - taken):
                if no_score(self.current(position)):
                    grades[position] = "0"
                else:
                    kept.append(self.roster.students[position].get(self.id_column, ""))
        write_atomic(path, self._render(grades, max_score))
        remarks = []
        if unmatched:
            remarks.append(f"not in the Canvas roster (no grade written): {', '.join(sorted(unmatched))}")
        if ungraded:
            remarks.append(f"could not be graded, left out (Canvas keeps what it has): {', '.join(sorted(ungraded))}")
        if excused:
            remarks.append(f"excused (EX) in the Canvas export, left out: {', '.join(sorted(excused))}")
        if kept:
            remarks.append(f"no submission but a score in the Canvas export, kept (no zero): {', '.join(sorted(kept))}")
        known = canvas_number(self.roster.points_possible.get(self.column, ""))
        if _is_number(known) and format_points(float(known), ",") != format_points(max_score, ","):
            remarks.append(f"Canvas says '{self.column}' is worth {known} points, the grader's total is "
                           f"{max_score:g}: scores are written as graded")
        return remarks

    def _render(self, grades: dict[int, str], max_score: float) -> str:
        """Only the rows given a grade: a row left out is a grade Canvas leaves alone (module docstring)."""
        out = io.StringIO(newline="")
        writer = csv.writer(out, delimiter=self.roster.delimiter, lineterminator="\r\n")
        writer.writerow([*STUDENT_COLUMNS, self.column])
        points = self.roster.points_possible.get(self.column)
        if points is None and self.column not in self.roster.header:
            points = format_points(max_score, self.roster.delimiter)   # a new assignment: the grader's total
        if points:
            writer.writerow([POINTS_POSSIBLE, "", "", "", "", points])
        for position, student in enumerate(self.roster.students):
            if position in grades:
                writer.writerow([student.get(c, "") for c in STUDENT_COLUMNS] + [grades[position]])
        return ("\ufeff" if self.roster.bom else "") + out.getvalue()


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def prepare(roster_path: str | Path, assignment: str, *, column: str | None = None,
            id_column: str = DEFAULT_ID_COLUMN, missing_zero: bool = False) -> CanvasExport:
    """Load and check everything before any grading happens."""
    roster = load_roster(roster_path)
    return CanvasExport(roster, assignment_column(roster, assignment, column), id_column, missing_zero)


def write_canvas_csv(path: str | Path, rows: list[dict], roster_path: str | Path, *, assignment: str,
                     max_score: float, column: str | None = None, id_column: str = DEFAULT_ID_COLUMN,
                     missing_zero: bool = False) -> list[str]:
    """One call for any grade table with ``student_id``, ``score`` (and ``status``) per row
    (``autograder batch``, ``autograder merge``); returns the remarks for the instructor."""
    export = prepare(roster_path, assignment, column=column, id_column=id_column, missing_zero=missing_zero)
    return export.write(path, rows, max_score)


# -- command line (``autograder batch``) ----------------------------------------------------

def add_batch_options(batch) -> None:
    group = batch.add_argument_group("Canvas gradebook import (a second CSV next to the grade CSV)")
    group.add_argument("--canvas-roster", metavar="CSV", help="the course's Canvas gradebook export")
    group.add_argument("--canvas-id-column", default=DEFAULT_ID_COLUMN, metavar="COLUMN",
                       help=f"roster column holding nbgrader's student ids (default: {DEFAULT_ID_COLUMN})")
    group.add_argument("--canvas-assignment", metavar="'NAME (ID)'",
                       help="gradebook column to fill (default: the roster's column titled like the assignment)")
    group.add_argument("--canvas-missing-zero", action="store_true",
                       help="give 0 to roster students without a submission whose cell the export shows empty "
                            "(default: leave them out of the file: Canvas keeps what it has)")
    group.add_argument("--canvas-csv", metavar="FILE",
                       help="where to write it (default: results/<assignment>/canvas_import.csv)")


def from_batch_options(args) -> CanvasExport | None:
    """The export checked before grading starts (None without --canvas-roster); raises CanvasError."""
    if not args.canvas_roster:
        given = [flag for flag, value in (("--canvas-assignment", args.canvas_assignment),
                                          ("--canvas-csv", args.canvas_csv),
                                          ("--canvas-missing-zero", args.canvas_missing_zero)) if value]
        if given:
            raise CanvasError(f"{given[0]} needs --canvas-roster (the Canvas gradebook export)")
        return None
    return prepare(args.canvas_roster, args.assignment, column=args.canvas_assignment,
                   id_column=args.canvas_id_column, missing_zero=args.canvas_missing_zero)
