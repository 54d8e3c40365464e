"""``autograder batch`` records a graded class the way ``nbgrader autograde`` does, in seconds.

``nbgrader autograde`` (with :class:`autograder.course.nbgrader_bridge.EngineGrade`) spends its time
not grading but re-doing, for every submission, what is the same for the whole class: a new
gradebook engine and table check per step, a disk sync per grade cell, nbgrader's metadata
check twice, the sanitise pass ``autograder batch`` already ran before grading.  This module
runs nbgrader's own code in this process instead of a subprocess, configured exactly as the
command (:class:`nbgrader.apps.AutogradeApp` reads the same configuration files and options):

1. **Notebooks, in ``-j`` forked processes.**  For each submission the converter's own
   pre-convert hook, its sanitise pass (reused from ``autograder batch``'s, see
   :func:`autograder.course.nbgrader_bridge.sanitized_notebook`), and its autograde preprocessors
   except the two that write the gradebook; nbgrader's ``FilesWriter`` writes the notebook
   into a staging folder.
2. **Gradebook, here, in one transaction** (:mod:`autograder.course.record_gradebook`).  Per
   submission nbgrader's ``Autograde.init_assignment`` (student, submission, timestamp,
   files copied beside the notebook, missing notebooks scored zero), then ``SaveAutoGrades``
   and ``AssignLatePenalties`` on the autograded notebook, then the file permissions.
3. Only when every submission got through: one commit, and the staged folders replace the
   old ``autograded/<student>/<assignment>/``.  Otherwise nothing is recorded, the staging is
   removed, and :class:`RecordError` says in one line which submission failed and where the
   details are.

The submissions recorded are those ``nbgrader autograde`` would convert (not yet autograded,
``--force``, or submitted again with a newer ``timestamp.txt``).  Courses this path does not
cover (a gradebook other than an sqlite file, other autograde preprocessors after the
gradebook writers, ``--notebook``) get :func:`unsupported`'s reason and the caller runs
``nbgrader autograde`` itself.  ``nbgrader autograde`` run by hand is unchanged.
"""
from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import re
import shutil
import tempfile
import time
import traceback
import warnings
from dataclasses import dataclass
from pathlib import Path

import nbformat

from . import nbgrader_bridge as bridge
from .nbgrader_metadata import classes as _classes, remembering_metadata_check


class RecordError(Exception):
    """Nothing was recorded; ``str()`` is one line saying what failed and what to do."""


@dataclass
class Recorded:
    students: list[str]
    seconds: float


@contextlib.contextmanager
def in_directory(path: Path):
    """nbgrader commands read ``nbgrader_config.py`` from, and resolve the course root against, the
    working directory."""
    before = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def file_logger(log: Path, name: str) -> logging.Logger:
    """What nbgrader would print goes to ``batch.log``, as the subprocess's output did."""
    logger = logging.getLogger(f"autograder.course.record.{name}.{os.getpid()}")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        handler.close()
    log.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(log, encoding="utf-8")
    handler.setFormatter(logging.Formatter("[%(name)s | %(levelname)s] %(message)s"))
    logger.addHandler(handler)
    return logger


def nbgrader_app(app_class, root: Path, argv: list[str], logger: logging.Logger):
    """``app_class`` initialised as ``nbgrader <command> argv`` run in ``root`` would be."""
    app = app_class(log=logger)
    try:
        with in_directory(root), warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            app.initialize(argv)
    except SystemExit:          # nbgrader's way of refusing a configuration; it logged why
        raise RecordError(f"nbgrader {app.name} could not start with this course's configuration; nothing was "
                          f"recorded (details in {logger.handlers[0].baseFilename})") from None
    app.log = logger            # initialize() configures the app's console logging; keep ours
    return app


# -- what this path covers -------------------------------------------------------------

def unsupported(converter) -> str | None:
    """Why this course must be recorded by ``nbgrader autograde`` itself (None: it need not)."""
    from nbgrader.preprocessors import AssignLatePenalties, CheckCellMetadata, SaveAutoGrades
    coursedir = converter.coursedir
    if not coursedir.db_url.startswith("sqlite:///"):
        return "the gradebook is not an sqlite file"
    if coursedir.notebook_id != "*" or coursedir.student_id != "*":
        return "--notebook/--student given"
    classes = _classes(converter.autograde_preprocessors)
    writers = [i for i, c in enumerate(classes) if issubclass(c, (SaveAutoGrades, AssignLatePenalties))]
    if not writers:
        return "no gradebook writer among Autograde.autograde_preprocessors"
    # Writers run after the notebook is final: only steps that change nothing may follow the first.
    if any(not issubclass(c, (SaveAutoGrades, AssignLatePenalties, CheckCellMetadata)) for c in classes[writers[0]:]):
        return "Autograde.autograde_preprocessors change the notebook after the gradebook writers"
    return None


def _is_writer(cls) -> bool:
    from nbgrader.preprocessors import AssignLatePenalties, SaveAutoGrades
    return issubclass(cls, (SaveAutoGrades, AssignLatePenalties))


def _ids(converter, folder: str) -> tuple[str, str]:
    regexp = converter._format_source("(?P<assignment_id>.*)", "(?P<student_id>.*)", escape=True)
    match = re.match(regexp, folder)
    return match.group("assignment_id"), match.group("student_id")


def wanted(converter, folder: str, autograded: str) -> bool:
    """Whether ``nbgrader autograde`` would convert this submission (its ``init_destination`` rules)."""
    assignment_id, student_id = _ids(converter, folder)
    coursedir = converter.coursedir
    if coursedir.student_id_exclude and student_id in coursedir.student_id_exclude.split(","):
        return False
    dest = coursedir.format_path(autograded, student_id, assignment_id)
    if not os.path.exists(dest) or converter.force:
        return True
    new, old = coursedir.get_existing_timestamp(folder), coursedir.get_existing_timestamp(dest)
    return new is not None and old is not None and new > old


# -- 1. notebooks (forked workers) -----------------------------------------------------

_STATE: dict = {}   # set before the workers fork: the converter and the autograde exporter


def _autograde_exporter(converter, *, writers: bool):
    exporter = converter.exporter_class(parent=converter, config=converter.config)
    entries = remembering_metadata_check(converter.autograde_preprocessors)
    for entry, cls in zip(entries, _classes(entries)):
        if _is_writer(cls) == writers:
            exporter.register_preprocessor(entry)
    return exporter


def _sanitize_pass(converter, path: str, student_id: str, assignment_id: str) -> str:
    """The sanitised notebook as nbgrader's first pass writes it (reusing ``autograder batch``'s)."""
    known = bridge.known_sanitized(path, converter.coursedir, student_id, assignment_id)
    if known is not None:
        return known
    converter._sanitizing = True
    converter._init_preprocessors()
    output, _ = converter.exporter.from_filename(path, resources=converter.init_single_notebook_resources(path))
    return output


def convert_submission(folder: str) -> dict:
    """Step 1 for one submission; returns what step 2 needs, or the error."""
    from nbgrader import utils
    converter, exporter = _STATE["converter"], _STATE["exporter"]
    assignment_id, student_id = _ids(converter, folder)
    try:
        converter.notebooks = sorted(converter.assignments[folder])
        converter.run_pre_convert_hook()
        known = _STATE["known_notebooks"]
        notebooks = list(converter.notebooks)
        converted = []
        for path in notebooks:
            if os.path.splitext(os.path.basename(path))[0] not in known:
                continue    # init_assignment skips it too ("Skipping unknown notebook")
            sanitized = _sanitize_pass(converter, path, student_id, assignment_id)
            converter._sanitizing = True
            resources = converter.init_single_notebook_resources(path)
            resources["output_extension"] = converter.exporter.file_extension
            converter.write_single_notebook(sanitized, resources)
            staged = os.path.join(converter.writer.build_directory, os.path.basename(path))
            converter._sanitizing = False
            resources = converter.init_single_notebook_resources(staged)
            with utils.setenv(NBGRADER_EXECUTION="autograde"):   # as Autograde.convert_single_notebook
                output, resources = exporter.from_filename(staged, resources=resources)
            converter.write_single_notebook(output, resources)
            converted.append({"output": output, "resources": {"nbgrader": dict(resources["nbgrader"]),
                                                              "unique_key": resources["unique_key"]}})
        return {"folder": folder, "notebooks": notebooks, "converted": converted}
    except (Exception, SystemExit) as exc:  # reported by the parent as one line; the traceback goes to the log
        # (SystemExit: the pre-convert hook stops nbgrader on links it could not remove; in a pool worker it
        # would end the process and leave the parent waiting for this result.)
        converter.log.error("%s/%s: %s", student_id, assignment_id, traceback.format_exc())
        return {"folder": folder, "error": f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"}
    finally:
        converter._sanitizing = True


def _read_from_snapshot(image: bytes, db_url: str, course_id: str) -> None:
    """A forked worker's start: nbgrader's code in it reads its own copy of the gradebook, for the
    worker's whole life (see :class:`autograder.course.record_gradebook.SnapshotGradebook`)."""
    from .record_gradebook import reading_copy
    _STATE["snapshot"] = reading_copy(image, db_url, course_id)
    _STATE["snapshot"].__enter__()


@contextlib.contextmanager
def _converting(folders: list[str], jobs: int, db_url: str, course_id: str):
    """convert_submission's results over ``folders``, in order, from up to ``jobs`` processes forked
    now, before the gradebook transaction opens.  They read a snapshot of the gradebook taken now;
    in one process the conversions read the transaction's own gradebook."""
    if jobs <= 1 or len(folders) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        yield map(convert_submission, folders)
        return
    from .record_gradebook import snapshot
    from .pool_process import heap_frozen_for_forks
    image = snapshot(db_url)
    with heap_frozen_for_forks():                   # the workers fork here, when the pool starts
        pool = multiprocessing.get_context("fork").Pool(min(jobs, len(folders)), initializer=_read_from_snapshot,
                                                        initargs=(image, db_url, course_id))
    with pool:
        yield pool.imap(convert_submission, folders)


# -- 2. gradebook (this process, one transaction) ----------------------------------------

def _record_submission(converter, writers, done: dict) -> None:
    assignment_id, student_id = _ids(converter, done["folder"])
    converter.notebooks = list(done["notebooks"])
    converter.init_assignment(assignment_id, student_id)
    for item in done["converted"]:
        nb = nbformat.reader.reads(item["output"])   # as nbformat.reads, without validating it a second time
        resources = item["resources"]
        for preprocessor in writers._preprocessors:
            nb, resources = preprocessor(nb, resources)
    converter.set_permissions(assignment_id, student_id)
    converter.run_post_convert_hook()


def record_class(root: str | Path, assignment_id: str, argv: list[str], *, jobs: int, log: Path,
                 echo=print) -> Recorded | None:
    """Record what ``nbgrader autograde <assignment_id> <argv>`` would, in one transaction.

    None when :func:`unsupported` (run ``nbgrader autograde`` instead); RecordError if anything
    failed (then nothing was recorded).
    """
    from nbgrader.api import Gradebook
    from nbgrader.apps import AutogradeApp
    from nbgrader.converters import Autograde, NbGraderException
    from nbconvert.writers import FilesWriter
    from .record_gradebook import one_transaction

    started = time.monotonic()
    root = Path(root).resolve()
    logger = file_logger(log, "autograde")
    app = nbgrader_app(AutogradeApp, root, [assignment_id, *argv], logger)
    coursedir = app.coursedir
    coursedir.assignment_id = assignment_id
    converter = Autograde(coursedir=coursedir, parent=app)
    reason = unsupported(converter)
    if reason:
        echo(f"  ({reason}: recording with nbgrader autograde)")
        return None
    try:
        converter.init_notebooks()
    except NbGraderException as exc:
        raise RecordError(f"nbgrader autograde {assignment_id}: {exc}; nothing was recorded") from None
    real_autograded = coursedir.autograded_directory
    folders = [f for f in sorted(converter.assignments) if wanted(converter, f, real_autograded)]
    if not folders:
        return Recorded([], time.monotonic() - started)
    results = root / bridge.RESULTS_DIR / assignment_id
    results.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".recording-", dir=results))
    coursedir.autograded_directory = str(staging)      # everything nbgrader writes goes here first
    with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        # nbgrader's preprocessors open Gradebook(db_url) with its default course id, which adds that
        # course row: once, in the file, rather than in each worker's snapshot.
        Gradebook(coursedir.db_url).close()
        _STATE["known_notebooks"] = {nb.name for nb in gb.find_assignment(assignment_id).notebooks}
    converter.writer = FilesWriter(parent=converter, config=converter.config)
    converter.exporter = converter.exporter_class(parent=converter, config=converter.config)
    _STATE.update(converter=converter, exporter=_autograde_exporter(converter, writers=False))
    writers = _autograde_exporter(converter, writers=True)
    bridge.cached_assignment(assignment_id, root / "grading.yml")   # parsed once, before the fork
    recorded: list[str] = []
    try:
        with bridge.running_in_process(converter), in_directory(root), \
                warnings.catch_warnings(record=True) as caught, \
                _converting(folders, jobs, coursedir.db_url, coursedir.course_id) as converted, \
                one_transaction(coursedir.db_url, coursedir.course_id):
            warnings.simplefilter("always")
            for done in converted:
                student_id = _ids(converter, done["folder"])[1]
                if "error" in done:
                    raise RecordError(f"nbgrader autograde could not record {student_id} ({done['error'][:200]}); "
                                      f"nothing was recorded: fix or remove that submission and run the batch again "
                                      f"(details in {log})")
                try:
                    _record_submission(converter, writers, done)
                except Exception as exc:
                    logger.error("%s: %s", student_id, traceback.format_exc())
                    raise RecordError(f"nbgrader could not record {student_id} in the gradebook "
                                      f"({type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''});"
                                      f" nothing was recorded (details in {log})") from None
                recorded.append(student_id)
            for warning in caught:
                logger.warning("%s", warnings.formatwarning(warning.message, warning.category, warning.filename,
                                                            warning.lineno).strip())
        _put_in_place(converter, folders, staging, real_autograded)
    finally:
        coursedir.autograded_directory = real_autograded
        _STATE.clear()
        shutil.rmtree(staging, ignore_errors=True)
    logger.info("recorded %d submissions of %s in one transaction", len(recorded), assignment_id)
    return Recorded(recorded, time.monotonic() - started)


def _put_in_place(converter, folders: list[str], staging: Path, autograded: str) -> None:
    """The staged ``autograded/<student>/<assignment>/`` folders replace the old ones (same file system)."""
    coursedir = converter.coursedir
    for folder in folders:
        assignment_id, student_id = _ids(converter, folder)
        staged = Path(coursedir.format_path(str(staging), student_id, assignment_id))
        dest = Path(coursedir.format_path(autograded, student_id, assignment_id))
        if dest.exists():
            remove_tree(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged, dest)


def remove_tree(path: Path) -> None:
    """nbgrader writes read-only files (444): make them writable, then remove."""
    for sub in path.rglob("*"):
        if not sub.is_symlink():
            sub.chmod(0o755 if sub.is_dir() else 0o644)
    shutil.rmtree(path)
