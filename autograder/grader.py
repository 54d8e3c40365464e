"""The grading pipeline for one submission.

load notebook -> static policy checks -> start sandboxed worker -> run suites
-> score -> GradeResult.  Each step is its own module; this one only wires them.
"""
from __future__ import annotations

import ast
import time
from pathlib import Path

from . import scoring
from .config import Assignment
from .notebook import CodeCell, load_submission
from .policy import forbidden_uses
from .results import GradeResult
from .session import Limits, StudentError, WorkerSession
from .texts import say


class GraderError(Exception):
    """The grader itself cannot grade (broken hidden suite, unusable setup): one line."""


def _session_limits(assignment: Assignment) -> Limits:
    limits = assignment.limits
    return Limits(call_timeout_s=limits.call_timeout_s, load_timeout_s=limits.load_timeout_s,
                  memory_mb=limits.memory_mb)


def definitions_only(source: str) -> str:
    """Keep imports, function and class definitions of a cell; drop top-level work.

    Used when running the whole notebook exceeds its time limit (a training loop
    or an infinite loop at top level): the graded functions can still be graded.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return ""
    keep = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    tree.body = [node for node in tree.body if isinstance(node, keep)]
    return ast.unparse(tree)


def _start(cells: list[CodeCell], assignment: Assignment, level: str | None, notes: list[str], lang: str):
    """Start a worker and run the notebook in it; fall back to definitions only."""
    shipped = assignment.release_dir if assignment.release_dir.is_dir() else None
    sources = [c.source for c in cells]
    session = WorkerSession(sources, limits=_session_limits(assignment), shipped_dir=shipped, level=level)
    try:
        return session, session.start()
    except StudentError as exc:
        session.close()
        notes.append(say("load_failed", lang, detail=str(getattr(exc, "message", exc))[:200]))
    session = WorkerSession([definitions_only(s) for s in sources], limits=_session_limits(assignment),
                            shipped_dir=shipped, level=level)
    try:
        return session, session.start()
    except StudentError as exc:
        session.close()
        raise GraderError(f"the submission could not be started even with definitions only: {exc}") from None


def _cell_notes(cells: list[CodeCell], report, lang: str) -> tuple[list[str], dict[int, str]]:
    """Notes for the student about cells that failed, and each failed cell's error line."""
    notes, errors = [], {}
    for status in report.cells:
        if status.status == "ok":
            continue
        type_name = status.error.type_name if status.error else status.status
        message = (status.error.message if status.error else status.status)[:300]
        errors[status.index] = f"{type_name}: {message}"
        cell = cells[status.index] if status.index < len(cells) else None
        if cell is not None and (cell.grade_id or "").startswith("test_"):
            continue  # a failing visible check is expected for unfinished work, not worth a note
        notes.append(say("cell_error", lang, index=status.index + 1, type=type_name, message=message))
    return notes, errors


def grade_notebook(notebook: str | Path, assignment: Assignment, *, lang: str | None = None,
                   level: str | None = None, visible_only: bool = False) -> GradeResult:
    """Grade one submitted notebook; never raises because of what the student wrote."""
    lang = lang or assignment.feedback_language
    started = time.monotonic()
    cells = load_submission(notebook)
    graded = [q.name for q in assignment.questions]
    forbidden = forbidden_uses([c.source for c in cells], graded, assignment.forbidden_modules)
    reference = None
    if not visible_only:
        from .reference import load_reference
        reference = load_reference(assignment.source_notebook)

    notes: list[str] = []
    session, report = _start(cells, assignment, level, notes, lang)
    load_done = time.monotonic()
    try:
        cell_notes, cell_errors = _cell_notes(cells, report, lang)
        notes.extend(cell_notes)
        if visible_only:
            questions = scoring.score_visible(assignment, cells, cell_errors, lang)
            tests_s = 0.0
        else:
            from .runner import run_suites
            allowed = [q for q in graded if q not in forbidden]
            deadline = started + assignment.limits.submission_timeout_s
            run = run_suites(session, assignment, reference, questions=allowed, deadline=deadline)
            if run.collection_errors:
                raise GraderError("a hidden test file failed to load: " + run.collection_errors[0].splitlines()[0])
            questions = scoring.score_hidden(assignment, run.outcomes, forbidden, lang)
            tests_s = run.duration_s
        level_used = session.level
    finally:
        session.close()
    total = sum(q.score for q in questions)
    return GradeResult(
        assignment=assignment.name, score=round(total, 4), max_score=assignment.max_score,
        sandbox=level_used, duration_s=round(time.monotonic() - started, 3), questions=questions,
        language=lang, notebook=str(notebook), notes=notes,
        timings={"start_and_load_s": round(load_done - started, 3), "tests_s": round(tests_s, 3)})
