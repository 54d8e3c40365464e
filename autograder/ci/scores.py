"""``scores.csv`` in the layout of classroom50's ``gh teacher download``, from a graded class.

One line per student: those of ``collected.csv`` (every roster row, submitted
or not) when the class was collected from repositories, else those of
``grades.csv``.  Columns as classroom50 writes them, then ``commit``:

username, first_name, last_name, email, section   roster (names blank without a roster)
score, max_score                                  the grade after nbgrader's late penalty, as in grades.csv
                                                  (fractional points kept: 87.5, not rounded); blank = no submission
datetime                                          the graded commit's time (ISO 8601 UTC)
submission_tag                                    blank: deadline grading tags nothing
submitted_by                                      blank: who pushed is not known from git
review_url                                        the graded commit on GitHub (github.com repositories only)
late                                              true with an nbgrader late penalty, false when collected
                                                  at a deadline, blank otherwise
override                                          false
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from ..feedback.report import write_atomic
from .collect import COLLECTED_CSV
from .roster import PERSONAL, Student

COLUMNS = ["username", *PERSONAL, "score", "max_score", "datetime", "submission_tag", "submitted_by",
           "review_url", "late", "override", "commit"]
_GITHUB = re.compile(r"^(?:https://github\.com/|git@github\.com:|ssh://git@github\.com/)([^/]+)/([^/]+?)(?:\.git)?/?$")


def _read(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def review_url(repository: str, commit: str) -> str:
    match = _GITHUB.match(repository or "")
    return f"https://github.com/{match.group(1)}/{match.group(2)}/commit/{commit}" if match and commit else ""


def _late(grade: dict, origin: dict) -> str:
    if float(grade.get("late_penalty") or 0) > 0:
        return "true"
    return "false" if origin.get("deadline") else ""


def write_scores(results: Path, roster: list[Student] | None = None) -> Path:
    """Write ``results/scores.csv`` from ``grades.csv`` and ``collected.csv`` in the same folder."""
    grades = {row["student_id"]: row for row in _read(results / "grades.csv")}
    collected = _read(results / COLLECTED_CSV)
    people = {s.student_id: s.personal for s in roster or []}
    order = [row["student_id"] for row in collected] or list(grades)
    by_student = {row["student_id"]: row for row in collected}
    max_score = next((row["max_score"] for row in grades.values()), "")
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for student in order:
        grade, origin = grades.get(student), by_student.get(student, {})
        commit = origin.get("commit", "")
        writer.writerow({"username": student, **{k: people.get(student, {}).get(k, "") for k in PERSONAL},
                         "score": grade["score"] if grade else "", "max_score": max_score if grade else "",
                         "datetime": origin.get("committed_at", "") if grade else "",
                         "submission_tag": "", "submitted_by": "",
                         "review_url": review_url(origin.get("repository", ""), commit) if grade else "",
                         "late": _late(grade, origin) if grade else "",
                         "override": "false", "commit": commit if grade else ""})
    path = results / "scores.csv"
    write_atomic(path, buffer.getvalue())
    return path
