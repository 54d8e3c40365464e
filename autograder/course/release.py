"""Regenerate the student release and the solution version from ``source/``.

``autograder release NAME`` is the one release step: it writes the visible
checks' settings (feedback language from grading.yml) next to the source
notebook, then runs the standard ``nbgrader generate_assignment`` and
``nbgrader generate_solution`` in the course root.  A test keeps the committed
``assignments/`` in sync with what this produces.
"""
from __future__ import annotations

import json
from pathlib import Path

import nbformat

from .nbgrader_cli import run as run_nbgrader
from ..config import Assignment

#: Written next to the source notebook and shipped to students with it.
CHECK_SETTINGS = "check_settings.json"


class ReleaseError(Exception):
    """nbgrader failed; ``str()`` holds the last lines of its log."""


def write_check_settings(assignment: Assignment) -> Path:
    path = assignment.source_dir / CHECK_SETTINGS
    text = json.dumps({"language": assignment.feedback_language}) + "\n"
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path


def nbgrader(course_root: Path, *args: str) -> None:
    """Run one nbgrader command in ``course_root`` with this interpreter's tools on PATH."""
    proc = run_nbgrader(course_root, *args)
    if proc.returncode != 0:
        tail = " | ".join((proc.stderr or proc.stdout).strip().splitlines()[-3:])
        raise ReleaseError(f"nbgrader {args[0]} failed: {tail}")


def strip_execution_timestamps(notebook: Path) -> None:
    """generate_solution runs the notebook; its timing metadata would change every release."""
    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nbformat.write(nb, notebook)


def release(assignment: Assignment, solution: bool = True) -> None:
    """The student release (nbgrader generate_assignment); with ``solution``, also the solution notebook
    (generate_solution, which runs the whole notebook: seconds to minutes)."""
    write_check_settings(assignment)
    root = assignment.course_root
    nbgrader(root, "generate_assignment", assignment.name, "--force")
    if not solution:
        return
    nbgrader(root, "generate_solution", assignment.name, "--force")
    for notebook in (root / "solutions" / assignment.name).glob("*.ipynb"):
        strip_execution_timestamps(notebook)
