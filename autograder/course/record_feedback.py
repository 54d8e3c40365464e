"""``nbgrader generate_feedback`` for a class, in ``-j`` processes.

A feedback page costs nbconvert ~0.2-0.3 s of CPU (HTML template, syntax highlighting, and for
two thirds of it a BeautifulSoup pass over the page); a class is embarrassingly parallel and only
reads the gradebook.  Each worker is a fork of this process (nbgrader and nbconvert already imported)
running nbgrader's own :class:`nbgrader.apps.GenerateFeedbackApp`, configured as the command
``nbgrader generate_feedback <assignment> [--force]`` run in the course root would be, on its
share of the students: the others are excluded through nbgrader's own
``CourseDirectory.student_id_exclude``.  Pages, hooks (the question table, the
renamed-notebook copy) and permissions are therefore exactly the command's.

What the command would redo for every page and is the same for the whole class is done once:

* the gradebook: nbgrader's ``GetGrades`` and the question table's hook open a new
  ``Gradebook`` (engine, table check, course check) for every notebook; the workers are served
  one in-memory copy taken before they fork (:func:`gradebook_image`, and
  :class:`autograder.course.record_gradebook.SnapshotGradebook` as :mod:`autograder.course.record`'s workers
  are), so that they never open the file.  Only when reading can write nothing: the file must
  hold nbgrader's tables and the courses nbgrader's code would otherwise add.
* the released cells: each worker's exporter remembers what it highlighted and rendered
  (:mod:`autograder.course.feedback_memo`).
* grading.yml (the report language) is parsed before the fork, not in each worker.
"""
from __future__ import annotations

import contextlib
import glob
import multiprocessing
import os
import re
import sqlite3
import sys
from pathlib import Path

from . import nbgrader_bridge as bridge
from .feedback_memo import remembering
from .pool_process import heap_frozen_for_forks
from .record import RecordError, file_logger, in_directory, nbgrader_app
from .record_gradebook import FEEDBACK_READERS, reading_copy, snapshot

#: the course nbgrader's ``GetGrades`` opens the gradebook with (``Gradebook(db_url)``'s default)
NBGRADER_DEFAULT_COURSE = "default_course"


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


def gradebook_image(coursedir) -> bytes | None:
    """The sqlite gradebook's bytes, for the feedback workers to read instead of the file; None (they
    open the file as nbgrader does) if it is not an sqlite file or lacks a table or a course that
    nbgrader's ``Gradebook(db_url, course_id)`` would add to it.  Run in the course root (a relative url)."""
    from nbgrader.api import Base
    db_url = coursedir.db_url
    if not db_url.startswith("sqlite:///") or not os.path.isfile(db_url.removeprefix("sqlite:///")):
        return None     # (sqlite3 would create a missing file)
    try:
        image = snapshot(db_url)
        with contextlib.closing(sqlite3.connect(":memory:")) as db:
            db.deserialize(image)
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            courses = {row[0] for row in db.execute("SELECT id FROM course")} if "course" in tables else set()
    except sqlite3.Error:
        return None
    complete = set(Base.metadata.tables) <= tables and {NBGRADER_DEFAULT_COURSE, coursedir.course_id} <= courses
    return image if complete else None


def _reading(image: bytes | None, coursedir):
    """nbgrader's GetGrades and the question table read ``image`` inside the block (nothing to do if None)."""
    if image is None:
        return contextlib.nullcontext()
    return reading_copy(image, coursedir.db_url, coursedir.course_id, FEEDBACK_READERS)


def _run_share(root: Path, assignment_id: str, argv: list[str], excluded: list[str], log: Path,
               image: bytes | None = None) -> int:
    """One worker: nbgrader generate_feedback on every student but ``excluded``; its exit status.
    ``image``: the gradebook to read (see :func:`gradebook_image`)."""
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
    converter.exporter_class = remembering(converter.exporter_class)
    try:
        with bridge.running_in_process(app), in_directory(root), _reading(image, app.coursedir):
            converter.start()
    except NbGraderException:
        return 1
    except Exception as exc:  # logged, and the parent says to look at the log
        logger.error("generate_feedback failed: %s: %s", type(exc).__name__, exc)
        return 1
    return 0


def _child(root, assignment_id, argv, excluded, log, image) -> None:
    sys.exit(_run_share(root, assignment_id, argv, excluded, log, image))


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
    with bridge.running_in_process(app), in_directory(root):
        bridge.feedback_language(assignment_id)        # grading.yml parsed here, once, not in each worker
        image = gradebook_image(app.coursedir) if students else None
    groups = shares(students, jobs)
    if len(groups) <= 1 or any("," in s for s in students) or "fork" not in multiprocessing.get_all_start_methods():
        return _run_share(root, assignment_id, argv, [], log, image) == 0
    context = multiprocessing.get_context("fork")
    workers = []
    with heap_frozen_for_forks():
        for group in groups:
            mine = set(group)
            excluded = [s for s in students if s not in mine]
            worker = context.Process(target=_child, args=(root, assignment_id, argv, excluded, log, image))
            worker.start()
            workers.append(worker)
    for worker in workers:
        worker.join()
    return all(worker.exitcode == 0 for worker in workers)
