"""The class roster for repository collection and hand-back: a CSV file.

Columns (header required, any order, UTF-8, an Excel BOM is fine):

``student_id``  the id the course uses (nbgrader's student id; for classroom50 the
                GitHub username).  Made safe as a folder name exactly as
                ``autograder batch --from`` does (other characters become ``_``).
``repo_url``    the student's repository: any git URL (``https://github.com/org/a1-alice.git``,
                ``git@github.com:org/a1-alice.git``, a local path).  Empty = no repository.
optional        ``first_name``, ``last_name``, ``email``, ``section`` are copied into the
                classroom50-style ``scores.csv``; other columns are ignored.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from ..course.batch import safe_student_id

REQUIRED = ("student_id", "repo_url")
PERSONAL = ("first_name", "last_name", "email", "section")


class RosterError(Exception):
    """The roster cannot be used; ``str()`` is one line saying what to fix."""


@dataclass
class Student:
    student_id: str          # safe folder name
    repo_url: str
    line: int
    given_id: str = ""       # as written in the roster
    personal: dict[str, str] = field(default_factory=dict)


def read_roster(path: str | Path) -> list[Student]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise RosterError(f"{path}: no such roster file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RosterError(f"{path}: cannot read the roster ({getattr(exc, 'strerror', None) or exc})") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise RosterError(f"{path}: the header must name the columns {', '.join(REQUIRED)} "
                          f"(missing {', '.join(missing)}; found: {', '.join(header) or 'nothing'})")
    reader.fieldnames = header
    students: list[Student] = []
    seen: dict[str, Student] = {}
    for number, row in enumerate(reader, start=2):
        given = (row.get("student_id") or "").strip()
        url = (row.get("repo_url") or "").strip()
        if not given and not url and not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue   # a blank line
        if not given:
            raise RosterError(f"{path}, line {number}: empty student_id")
        student_id = safe_student_id(given)
        if student_id.strip("._-") == "" or student_id.startswith("."):
            raise RosterError(f"{path}, line {number}: student_id {given!r} cannot be used as a folder name")
        if student_id in seen:
            other = seen[student_id]
            raise RosterError(f"{path}, line {number}: student_id {given!r} is the same folder name "
                              f"({student_id}) as line {other.line}")
        student = Student(student_id, url, number, given,
                          {k: (row.get(k) or "").strip() for k in PERSONAL if k in header})
        seen[student_id] = student
        students.append(student)
    if not students:
        raise RosterError(f"{path}: the roster has a header but no students")
    return students
