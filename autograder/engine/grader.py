"""The grading pipeline for one submission.

load notebook -> static policy checks -> start sandboxed worker -> run suites
-> score -> GradeResult.  Each step is its own module; this one only wires them.
"""
from __future__ import annotations

import ast
import threading
import time
from pathlib import Path
from typing import Callable

from . import scoring
from ..config import Assignment
from ..feedback.hints import ExplainerError, cell_error_hints, load_explainers
from .notebook import CodeCell, load_submission
from .policy import forbidden_uses
from ..results import GradeResult
from .salt import Salt, resolve_salt
from ..sandbox.session import Limits, StudentError, WorkerSession, probed_level
from ..feedback.texts import say


class GraderError(Exception):
    """The grader itself cannot grade (broken hidden suite, unusable setup): one line."""


def _session_limits(assignment: Assignment) -> Limits:
    limits = assignment.limits
    return Limits(call_timeout_s=limits.call_timeout_s, load_timeout_s=limits.load_timeout_s,
                  memory_mb=limits.memory_mb)


def without_top_level_calls(sources: list[str]) -> list[str]:
    """Drop top-level statements that use a notebook-defined function.

    Used when running the notebook hung or crashed: the culprit is nearly always
    top-level code calling a student function (a demo, a visible check, a
    training loop).  Imports, definitions and constants stay, so the graded
    functions can still be graded.
    """
    trees = []
    for source in sources:
        try:
            trees.append(ast.parse(source))
        except SyntaxError:
            trees.append(None)
    defined = {node.name for tree in trees if tree for node in tree.body
               if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    always_kept = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)
    tainted = set(defined)   # names whose value came from running notebook functions
    kept = []
    for tree in trees:
        if tree is None:
            kept.append("")
            continue
        body = []
        for node in tree.body:
            names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
            if isinstance(node, always_kept) or not names & tainted:
                body.append(node)
            else:
                tainted |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        tree.body = body
        kept.append(ast.unparse(tree))
    return kept


def protect_instructor_files(assignment: Assignment) -> None:
    """At plain L1 the worker shares our file system under another uid: make sure
    that uid cannot enter the folders holding hidden tests and solutions.
    (Under L2 they are simply not mounted; under L0 the worker is us anyway.)"""
    for folder in (assignment.source_dir, assignment.course_root / "solutions" / assignment.name):
        if folder.is_dir() and folder.stat().st_mode & 0o005:
            folder.chmod(folder.stat().st_mode & ~0o007)


def is_visible_check(cell: CodeCell) -> bool:
    """An nbgrader autograder-test cell: the student's visible checks."""
    meta = cell.metadata.get("nbgrader") or {}
    return bool(meta.get("grade")) and not meta.get("solution")


#: The Jupyter cell tag with which an instructor marks a cell that grading never needs: a demonstration,
#: a plot, a training run for the student to look at.  Grading with the hidden suites skips it as it skips
#: the visible checks; ``autograder check`` and the practice grade run it (a visible check may read what it
#: makes).  A student who tags a cell of their own only keeps it from running: the hidden suites call the
#: graded functions and read nothing such a cell makes.
SKIP_TAG = "skip-when-grading"


def is_skipped_when_grading(cell: CodeCell) -> bool:
    tags = cell.metadata.get("tags")
    return isinstance(tags, list) and SKIP_TAG in tags


def _start(cells: list[CodeCell], assignment: Assignment, level: str | None, notes: list[str],
           lang: str, visible_only: bool):
    """Start a worker and run the notebook in it.

    The hidden suites replace the visible checks, so those cells are not run
    when grading, nor the cells only they and the student need (tagged
    ``skip-when-grading``).  If top-level code still hangs or crashes, the
    notebook is run again without the top-level statements that call
    notebook functions.
    """
    shipped = assignment.release_dir if assignment.release_dir.is_dir() else None
    limits = _session_limits(assignment)
    level = level or probed_level(limits, shipped, lang)
    if level == "L1":
        protect_instructor_files(assignment)
    sources = [c.source if visible_only or not (is_visible_check(c) or is_skipped_when_grading(c)) else ""
               for c in cells]
    for attempt in range(2):
        session = WorkerSession(sources, limits=limits, shipped_dir=shipped, level=level, language=lang)
        try:
            report = session.start()
        except StudentError as exc:
            session.close()
            notes.append(say("load_failed", lang, detail=str(getattr(exc, "message", exc))[:200]))
        else:
            troubled = [c for c in report.cells if c.status in ("timeout", "crash", "skipped")]
            if not troubled or attempt == 1 or visible_only:
                return session, report
            session.close()
            notes.append(say("top_level_removed", lang, cells=", ".join(str(c.index + 1) for c in troubled)))
        sources = without_top_level_calls(sources)
    raise GraderError("the submission could not be started even without its top-level code")


def _explainers(assignment: Assignment) -> list:
    """The exercise's own explainers; on the student's side (``autograder check``) they may not be there."""
    try:
        return load_explainers([p for p in assignment.explainer_paths if p.is_file()])
    except ExplainerError as exc:
        raise GraderError(str(exc)) from None


def _cell_notes(cells: list[CodeCell], report, lang: str, ran: list[str] = (),
                explainers=()) -> tuple[list[str], dict[int, str]]:
    """Notes for the student about cells that failed, and each failed cell's error line
    (with an explanation when the error is a recognised mistake; ``ran``: the sources the worker ran)."""
    notes, errors = [], {}
    for status in report.cells:
        if status.status == "ok":
            continue
        type_name = status.error.type_name if status.error else status.status
        message = (status.error.message if status.error else status.status)[:300]
        errors[status.index] = f"{type_name}: {message}" + cell_error_hints(status.error, list(ran), report.names, lang,
                                                                         explainers)
        cell = cells[status.index] if status.index < len(cells) else None
        if (cell is not None and (cell.grade_id or "").startswith("test_")) or type_name == "NotImplementedError":
            continue  # unfinished work is explained per question already, not worth a note
        notes.append(say("cell_error", lang, index=status.index + 1, type=type_name, message=message))
    return notes, errors


def _practice_reference(assignment: Assignment):
    """A practice kit carries recorded answers instead of the reference; the course has the reference."""
    from .answers import ANSWERS_FILE, ReplayReference
    recorded = assignment.source_dir / ANSWERS_FILE
    if recorded.is_file():
        return ReplayReference(recorded)
    if not assignment.source_notebook.is_file():
        raise GraderError(f"neither recorded answers ({recorded}) nor the source notebook "
                          f"({assignment.source_notebook}) is here: run from the course root or a practice kit")
    from .reference import load_reference
    return load_reference(assignment.source_notebook)


def _run_practice(session, assignment: Assignment, reference, cells, cell_errors, forbidden, deadline, lang,
                  salt: Salt):
    """The practice tier: visible checks plus the public hidden tests, helpers not substituted
    (the reference helpers are not available where practice runs)."""
    from .suites import run_suites
    only = {q.name: set(q.public) for q in assignment.questions if q.public and q.name not in forbidden}
    run = run_suites(session, assignment, reference, questions=list(only), deadline=deadline,
                     only=only, helpers=False, salt=salt)
    if run.collection_errors:
        raise GraderError("a public test file failed to load: " + run.collection_errors[0].splitlines()[0])
    ran = {(o.question, o.nodeid.rsplit("::", 1)[-1].split("[")[0]) for o in run.outcomes}
    for question, names in only.items():
        for name in sorted(names):
            if (question, name) not in ran:
                raise GraderError(f"public test {name} of question {question} is missing from the test files")
    visible = scoring.score_visible(assignment, cells, cell_errors, lang)
    return scoring.score_practice(assignment, visible, run.outcomes, forbidden, lang), run.duration_s


def _prepare_in_background(assignment: Assignment, *, load: bool) -> Callable[[], object]:
    """Import the hidden suites' packages, then (``load``) the reference, in one thread while the worker starts.

    One thread, so that nothing imports at the same time as it (two threads importing PyTorch at once can
    meet a partly initialised module).  Returns the function that waits for it: the reference module (or
    None), or the reference's own error, raised in the caller.
    """
    from .reference import load_reference
    from .suites import preload
    outcome: dict[str, object] = {}

    def work() -> None:
        preload(assignment)()
        if load:
            try:
                outcome["reference"] = load_reference(assignment.source_notebook)
            except BaseException as exc:   # noqa: BLE001 - re-raised by the caller, as a serial load would
                outcome["error"] = exc

    thread = threading.Thread(target=work, name="prepare-grading", daemon=True)
    thread.start()

    def wait():
        thread.join()
        if "error" in outcome:
            raise outcome["error"]
        return outcome.get("reference")
    return wait


def grade_notebook(notebook: str | Path, assignment: Assignment, *, lang: str | None = None,
                   level: str | None = None, visible_only: bool = False, practice: bool = False,
                   reference=None, salt: Salt | None = None, suites=None) -> GradeResult:
    """Grade one submitted notebook; never raises because of what the student wrote.

    ``practice``: the visible checks plus the tests grading.yml marks public.
    ``reference``: what the tests' ``ref`` fixture answers with (default: the
    reference solution; in practice mode a kit's recorded answers when present).
    ``salt`` seeds the hidden tests' random inputs (default: ``AUTOGRADER_SALT`` or the public salt).
    ``suites``: the assignment's hidden suites already collected (:func:`autograder.engine.suites.with_suites`,
    a batch worker grading many submissions); they carry their own salt.
    """
    lang = lang or assignment.feedback_language
    if suites is not None:
        if salt is not None and salt.digest != suites.salt.digest:
            raise GraderError("the collected hidden suites were drawn with another salt")
        salt = suites.salt
    salt = salt if salt is not None else resolve_salt()
    started = time.monotonic()
    cells = load_submission(notebook)
    graded = [q.name for q in assignment.questions]
    forbidden = forbidden_uses([c.source for c in cells], graded, assignment.forbidden_modules)
    if reference is None and practice:
        reference = _practice_reference(assignment)
    prepared = None
    if suites is None and not visible_only and not practice:
        # a one-off grade: the suites' packages and the reference load while the worker starts
        prepared = _prepare_in_background(assignment, load=reference is None)
    elif reference is None and not visible_only:
        from .reference import load_reference
        reference = load_reference(assignment.source_notebook)

    notes: list[str] = []
    session, report = _start(cells, assignment, level, notes, lang, visible_only or practice)
    load_done = time.monotonic()
    try:
        if prepared is not None:
            reference = prepared() or reference
        cell_notes, cell_errors = _cell_notes(cells, report, lang, session.cells, _explainers(assignment))
        notes.extend(cell_notes)
        if practice:
            questions, tests_s = _run_practice(session, assignment, reference, cells, cell_errors, forbidden,
                                               started + assignment.limits.submission_timeout_s, lang, salt)
        elif visible_only:
            questions = scoring.score_visible(assignment, cells, cell_errors, lang)
            tests_s = 0.0
        else:
            allowed = [q for q in graded if q not in forbidden]
            deadline = started + assignment.limits.submission_timeout_s
            if suites is not None:
                run = suites.run(session, reference, questions=allowed, deadline=deadline)
            else:
                from .suites import run_suites
                run = run_suites(session, assignment, reference, questions=allowed, deadline=deadline, salt=salt)
            if run.collection_errors:
                raise GraderError("a hidden test file failed to load: " + run.collection_errors[0].splitlines()[0])
            questions = scoring.score_hidden(assignment, run.outcomes, forbidden, lang)
            tests_s = run.duration_s
        level_used = session.level
    finally:
        session.close()
    total = sum(q.score for q in questions)
    return GradeResult(
        assignment=assignment.name, score=round(total, 4), max_score=sum(q.max_score for q in questions),
        sandbox=level_used, duration_s=round(time.monotonic() - started, 3), questions=questions,
        language=lang, notebook=str(notebook), notes=notes, salt_digest="" if visible_only else salt.digest,
        timings={"start_and_load_s": round(load_done - started, 3), "tests_s": round(tests_s, 3)})
