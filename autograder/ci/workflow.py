"""``autograder github grade-workflow``: write ``grade-class.yml`` for a private grading repository.

The workflow is a template shipped with the package (``templates/grade-class.yml``);
only the assignment, the number of shards, the roster path, the default deadline
and the schedule are filled in.  The generated file is checked in the tests
with actionlint and the GitHub workflow JSON schema.
"""
from __future__ import annotations

import os
import re
from importlib import resources
from pathlib import Path

from ..feedback.report import write_atomic

MAX_SHARDS = 256   # GitHub Actions runs at most 256 jobs per matrix
_NAME = re.compile(r"[A-Za-z0-9_.-]+")
_CRON_FIELD = re.compile(r"[0-9*/,\-A-Za-z]+")


class WorkflowError(Exception):
    """Bad parameters for the workflow; ``str()`` is one line."""


def template(name: str) -> str:
    return resources.files(__package__).joinpath("templates", name).read_text(encoding="utf-8")


def render_grade_workflow(assignment: str, shards: int, *, roster: str = "roster.csv", deadline: str = "",
                          cron: str = "") -> str:
    if not _NAME.fullmatch(assignment):
        raise WorkflowError(f"assignment name {assignment!r} cannot be used in a workflow")
    if not 1 <= shards <= MAX_SHARDS:
        raise WorkflowError(f"--shards must be between 1 and {MAX_SHARDS} (GitHub's matrix limit), got {shards}")
    if not roster or any(c in roster for c in "\"'\n$`\\") or roster.startswith(("/", "-")):
        raise WorkflowError(f"--roster {roster!r}: give a plain path inside the grading repository")
    if deadline:
        from .collect import parse_deadline   # the same rule as collect-repos, checked now rather than at the deadline
        try:
            parse_deadline(deadline)
        except Exception as exc:
            raise WorkflowError(str(exc)) from None
        if any(c in deadline for c in "\"'\n$`\\"):
            raise WorkflowError(f"--deadline {deadline!r} contains quote or shell characters")
    fields = cron.split()
    if cron and (len(fields) != 5 or not all(_CRON_FIELD.fullmatch(f) for f in fields)):
        raise WorkflowError(f"--cron {cron!r} is not a five-field cron schedule such as '0 15 1 12 *'")
    schedule = (f'  schedule:\n    - cron: "{" ".join(fields)}"   # UTC; GitHub may start it late, so keep '
                f'a deadline set' if cron else
                '  # schedule:\n  #   - cron: "0 15 1 12 *"   # the deadline in UTC, e.g. 2026-12-02 00:00 KST')
    text = template("grade-class.yml")
    for key, value in {"@SCHEDULE@": schedule, "@ASSIGNMENT@": assignment, "@SHARDS@": str(shards),
                       "@MATRIX@": "[" + ", ".join(str(k) for k in range(1, shards + 1)) + "]",
                       "@ROSTER@": roster, "@DEADLINE@": deadline}.items():
        text = text.replace(key, value)
    return text


def write_grade_workflow(dest: str | Path, assignment: str, shards: int, **options) -> Path:
    """Write to ``dest``: a file, or a folder (existing, or named with a trailing slash) that gets grade-class.yml."""
    text = render_grade_workflow(assignment, shards, **options)
    # Path() drops a trailing slash, so look at the text as given: `.github/workflows/` is a folder.
    folder = str(dest).endswith(("/", os.sep)) or Path(dest).is_dir()
    path = Path(dest) / "grade-class.yml" if folder else Path(dest)
    try:
        write_atomic(path, text)
    except OSError as exc:
        raise WorkflowError(f"cannot write {path}: {exc.strerror}") from None
    return path
