"""``nbgrader generate_feedback`` for a class, in ``-j`` processes.

A feedback page costs nbconvert a fixed ~0.1-0.2 s (HTML template, syntax highlighting, a
BeautifulSoup pass over the page); a class is embarrassingly parallel and only reads the
gradebook.  Each worker is a fork of this process (nbgrader and nbconvert already imported)
running nbgrader's own :class:`nbgrader.apps.GenerateFeedbackApp`, configured as the command
``nbgrader generate_feedback <assignment> [--force]`` run in the course root would be, on its
share of the students: the others are excluded through nbgrader's own
``CourseDirectory.student_id_exclude``.  Pages, hooks (the question table, the
renamed-notebook copy) and permissions are therefore exactly the command's.
"""
from __future__ import annotations

import glob
import multiprocessing
import os
import re
import sys
from pathlib import Path

from . import nbgrader_bridge as bridge
from .record import RecordError, file_logger, in_directory, nbgrader_app


def _students(coursedir, assignment_id: str) -> list[str]:
    """Whose autograded notebooks ``generate_feedback`` would look at."""
    pattern = coursedir.format_path(coursedir.autograded_directory, "(?P<student_id>[^/]+)", assignment_id,
                                    escape=True)
    found = []
    for folder in sorted(glob.glob(coursedir.format_path(coursedir.autograded_directory, "*", assignment_id))):
        match = re.fullmatch(pattern, folder)
        if match and os.path.isdir(folder):
            found.append(match.group("student_id"))
    return found


def shares(students: list[str], jobs: int) -> list[list[str]]:
    """Round robin, so each share gets a mix of the class."""
    count = max(1, min(jobs, len(students)))
    return [students[i::count] for i in range(count)]


def _run_share(root: Path, assignment_id: str, argv: list[str], excluded: list[str], log: Path) -> int:
    """One worker: nbgrader generate_feedback on every student but ``excluded``; its exit status."""
    from nbgrader.apps import GenerateFeedbackApp
    from nbgrader.converters import GenerateFeedback, NbGraderException
    logger = file_logger(log, "feedback")
    try:
        app = nbgrader_app(GenerateFeedbackApp, root, [assignment_id, *argv], logger)
    except RecordError:
        return 1
    app.coursedir.assignment_id = assignment_id
    already = [s for s in app.coursedir.student_id_exclude.split(",") if s]
    app.coursedir.student_id_exclude = ",".join(already + excluded)
    converter = GenerateFeedback(coursedir=app.coursedir, parent=app)
    try:
        with bridge.running_in_process(app), in_directory(root):
            converter.start()
    except NbGraderException:
        return 1
    except Exception as exc:  # logged, and the parent says to look at the log
        logger.error("generate_feedback failed: %s: %s", type(exc).__name__, exc)
        return 1
    return 0


def _child(root, assignment_id, argv, excluded, log) -> None:
    sys.exit(_run_share(root, assignment_id, argv, excluded, log))


def generate_feedback(root: str | Path, assignment_id: str, argv: list[str], *, jobs: int, log: Path) -> bool:
    """Feedback pages for the class as ``nbgrader generate_feedback assignment_id argv`` writes them;
    False if any share reported errors (see ``log``)."""
    from nbgrader.apps import GenerateFeedbackApp
    root = Path(root).resolve()
    try:
        app = nbgrader_app(GenerateFeedbackApp, root, [assignment_id, *argv], file_logger(log, "feedback"))
    except RecordError:
        return False
    students = _students(app.coursedir, assignment_id)
    groups = shares(students, jobs)
    if len(groups) <= 1 or any("," in s for s in students) or "fork" not in multiprocessing.get_all_start_methods():
        return _run_share(root, assignment_id, argv, [], log) == 0
    context = multiprocessing.get_context("fork")
    workers = []
    for group in groups:
        mine = set(group)
        excluded = [s for s in students if s not in mine]
        worker = context.Process(target=_child, args=(root, assignment_id, argv, excluded, log))
        worker.start()
        workers.append(worker)
    for worker in workers:
        worker.join()
    return all(worker.exitcode == 0 for worker in workers)
