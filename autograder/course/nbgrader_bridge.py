"""nbgrader, unchanged commands, with this project's engine behind ``nbgrader autograde``.

``nbgrader_config.py`` wires these in, all through nbgrader's own
configuration:

``Autograde.autograde_preprocessors``
    :class:`EngineGrade` takes the place of nbgrader's ``Execute``.  The
    notebook is never run in a Jupyter kernel: the engine grades it (student
    code in the sandboxed worker, hidden suites in the trusted process) and
    each question's score is written into its grade cell ``test_<question>``
    (:mod:`autograder.course.grade_cells`).  A grade cell the student deleted is
    added back (after the question's solution cell) so its score still
    reaches ``gradebook.db``.  :class:`autograder.course.sanitize.SanitizeNotebook`
    follows it, so the stored autograded notebook (which formgrader renders)
    holds no student HTML or script.
``Autograde.pre_convert_hook``
    :func:`prepare_hook` repairs a submission folder before nbgrader reads it
    (:mod:`autograder.course.repair`: renamed, empty or corrupt notebooks, nbgrader
    metadata restored from the release).
``GenerateFeedback.post_convert_hook``
    :func:`feedback_hook` opens each feedback page with the question table
    (:mod:`autograder.course.feedback_page`) and copies a renamed notebook's page to
    the name the student submitted.
``results/<assignment>/<student>.json``
    Every engine result is stored with a digest of exactly what was graded
    (the code cells after nbgrader's sanitising, the grading policy, the
    engine).  ``EngineGrade`` reuses a stored result whose digest matches,
    which is how ``autograder batch`` grades in parallel processes first and
    then records the class with nbgrader's own code (:mod:`autograder.course.record`).

Nothing here names an assignment: everything comes from ``grading.yml`` and
the released notebooks.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import re
import tempfile
from pathlib import Path

import nbformat

from ..feedback.bridge_texts import say
from .nbgrader_metadata import remembering_metadata_check
from .plain_files import clear_feedback, stop_if_unsafe, submitted_top
from .grade_cells import apply_result, drop_orphan_metadata, zero_unknown_grade_cells
from .repair import (SIDECAR, copy_feedback_for_renamed, note_kinds, prepare_submission,  # noqa: F401
                     read_notes, read_renames)
from ..feedback.report import write_atomic

try:  # nbgrader is a dependency, but keep this module importable without it
    from nbgrader.preprocessors import NbGraderPreprocessor
    from traitlets import Bool, Unicode
except ImportError:  # pragma: no cover
    NbGraderPreprocessor = object  # type: ignore[assignment,misc]
    Bool = Unicode = None  # type: ignore[assignment]

RESULTS_DIR = "results"
ENGINE_KEY = "autograder"   # notebook metadata key of autograded notebooks


# -- digests -----------------------------------------------------------------

def _engine_files() -> list[Path]:
    """Every file of the installed package that can change a grade: all modules of every subpackage
    (recursively: a stored result must not outlive a change anywhere in the engine) and the pytest ini."""
    package = Path(__file__).resolve().parents[1]
    return sorted(p for p in package.rglob("*") if p.suffix in (".py", ".ini") and "__pycache__" not in p.parts)


def policy_digest(assignment) -> str:
    """What, besides the submission, decides a grade: grading.yml, source/<a>/, the engine."""
    h = hashlib.sha256()
    grading = Path(assignment.course_root) / "grading.yml"
    files = [grading] if grading.is_file() else []
    files += sorted(p for p in Path(assignment.source_dir).rglob("*")
                    if p.is_file() and "__pycache__" not in p.parts and ".ipynb_checkpoints" not in p.parts)
    files += _engine_files()
    for path in files:
        if path.is_file():
            h.update(str(path.name).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def engine_digest(nb: nbformat.NotebookNode, assignment, lang: str, policy: str | None = None,
                  salt=None) -> str:
    """Digest of exactly what the engine runs for this notebook (visible checks are not run),
    including which salt draws the hidden inputs (default: the environment's, see autograder.engine.salt)."""
    from ..engine.grader import is_visible_check
    from ..engine.notebook import code_cells
    from ..engine.salt import resolve_salt
    salt = salt if salt is not None else resolve_salt()
    sources = ["" if is_visible_check(c) else c.source for c in code_cells(nb)]
    payload = json.dumps({"assignment": assignment.name, "lang": lang, "cells": sources,
                          "policy": policy or policy_digest(assignment), "salt": salt.digest}, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


# -- results store -------------------------------------------------------------

def result_path(course_root: str | Path, assignment: str, student: str,
                results_directory: str = RESULTS_DIR) -> Path:
    return Path(course_root) / results_directory / assignment / f"{student}.json"


def load_result(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and "questions" in data else None


def save_result(path: Path, data: dict) -> None:
    write_atomic(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def zero_result(assignment, lang: str, note: str, *, status: str, notebook: str = "") -> dict:
    """A result for a submission the engine could not finish: every question zero, with the reason."""
    questions = [{"name": q.name, "score": 0.0, "max_score": q.points, "summary": note,
                  "tests": [{"name": q.name, "score": 0.0, "max_score": q.points, "status": "failed",
                             "output": note}]} for q in assignment.questions]
    return {"assignment": assignment.name, "score": 0.0, "max_score": assignment.max_score, "sandbox": "-",
            "duration_s": 0.0, "questions": questions, "language": lang, "notebook": notebook,
            "notes": [note], "timings": {}, "status": status}



# -- nbgrader's course directory -------------------------------------------------------

def load_course_config(course_root: str | Path):
    """The course's nbgrader configuration, as nbgrader loads it from nbgrader_config.py."""
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader
    path = Path(course_root) / "nbgrader_config.py"
    if not path.is_file():
        return Config()
    return PyFileConfigLoader(path.name, path=str(path.parent)).load_config()


def course_directory(course_root: str | Path, config=None):
    from nbgrader.coursedir import CourseDirectory
    coursedir = CourseDirectory(config=config if config is not None else load_course_config(course_root))
    coursedir.root = str(Path(course_root).resolve())
    return coursedir


#: nbgrader converters run in this process by autograder.course.record (no nbgrader Application around
#: them): the hooks read their course directory and configuration as they would an application's.
_IN_PROCESS: list = []


@contextlib.contextmanager
def running_in_process(converter):
    """While the block runs, hooks and preprocessors see ``converter`` as the running nbgrader command."""
    _IN_PROCESS.append(converter)
    try:
        yield converter
    finally:
        _IN_PROCESS.remove(converter)


def _running_apps():
    """The nbgrader application running this code and its sub-applications, outermost first."""
    if _IN_PROCESS:
        yield _IN_PROCESS[-1]
        return
    try:
        from traitlets.config import Application
        app = Application.instance() if Application.initialized() else None
    except Exception:
        app = None
    while app is not None:
        yield app
        app = getattr(app, "subapp", None)


def _running_coursedir():
    """The CourseDirectory of the nbgrader command running this code (else: from ./nbgrader_config.py)."""
    for app in _running_apps():
        if getattr(app, "coursedir", None) is not None:
            return app.coursedir
    return course_directory(Path.cwd())


def feedback_language(assignment_id: str) -> str:
    """EngineGrade.lang of the running command if set, else the assignment's language in grading.yml."""
    grading_file = "grading.yml"
    for app in _running_apps():
        settings = app.config.get("EngineGrade", {}) if hasattr(app, "config") else {}
        if settings.get("lang"):
            return str(settings["lang"])
        grading_file = settings.get("grading_file", grading_file)
    try:
        return cached_assignment(assignment_id, grading_file).feedback_language
    except Exception:
        return "en"


_ASSIGNMENTS: dict[tuple, object] = {}


def cached_assignment(assignment_id: str, grading_file: str | Path):
    """``get_assignment``, parsed once per process while grading.yml is unchanged: parsing and checking it
    (hidden test files included) costs more than recording a submission, and one nbgrader command
    needs it for every notebook."""
    from ..config import get_assignment
    path = Path(grading_file).resolve()
    try:
        stat = path.stat()
        key = (str(path), assignment_id, stat.st_mtime_ns, stat.st_size)
    except OSError:
        return get_assignment(assignment_id, path)   # says what is missing
    if key not in _ASSIGNMENTS:
        _ASSIGNMENTS.clear()
        _ASSIGNMENTS[key] = get_assignment(assignment_id, path)
    return _ASSIGNMENTS[key]


def prepare_hook(assignment=None, student=None, notebooks=None, **_) -> None:
    """``Autograde.pre_convert_hook``: repair each submission folder before nbgrader reads it.

    nbgrader passes the list of notebooks it is about to convert; the list is
    updated in place so a renamed notebook is graded under its released name.
    """
    if not notebooks:
        return
    coursedir = _running_coursedir()
    folders = sorted({Path(p).parent for p in notebooks})
    top = submitted_top(coursedir)
    fresh = []
    for folder in folders:
        assignment_id = folder.name
        release = Path(coursedir.format_path(coursedir.release_directory, ".", assignment_id))
        # Without a release only the link removal applies (no released notebook to repair from).
        try:
            prepare_submission(folder, release, feedback_language(assignment_id), top=top)
        except Exception as exc:
            stop_if_unsafe(folder, top, exc)   # nbgrader would log it, then copy what the links point at
            raise
        fresh += sorted(str(p) for p in folder.glob("*.ipynb"))
    notebooks[:] = fresh


def feedback_hook(assignment=None, student=None, notebooks=None, **_) -> None:
    """``GenerateFeedback.post_convert_hook``: each feedback page opens with the question table,
    and a renamed notebook's page also gets the name the student submitted (so
    ``nbgrader fetch_feedback`` finds it)."""
    from .feedback_page import add_tables
    coursedir = _running_coursedir()
    pattern = coursedir.format_path(coursedir.autograded_directory, "(?P<student_id>[^/]+)",
                                    "(?P<assignment_id>[^/]+)", escape=True)
    by_folder: dict[str, list[Path]] = {}
    for path in notebooks or []:
        by_folder.setdefault(str(Path(path).parent), []).append(Path(path))
    for folder, autograded in sorted(by_folder.items()):
        match = re.fullmatch(pattern, folder)
        if match:
            student_id, assignment_id = match.group("student_id"), match.group("assignment_id")
            feedback = Path(coursedir.format_path(coursedir.feedback_directory, student_id, assignment_id))
            # First: nothing but the release and grading's pages reaches the student, even if a later step fails.
            clear_feedback(feedback, coursedir.format_path(coursedir.release_directory, ".", assignment_id), autograded)
            add_tables(coursedir, autograded, feedback, assignment_id, student_id, feedback_language(assignment_id))
            copy_feedback_for_renamed(
                Path(coursedir.format_path(coursedir.submitted_directory, student_id, assignment_id)), feedback)


# -- the preprocessor --------------------------------------------------------------------

class EngineGrade(NbGraderPreprocessor):
    """Grade the notebook with the sandboxed engine instead of executing it (replaces ``Execute``)."""

    if Unicode is not None:
        grading_file = Unicode("grading.yml", help="grading policy, relative to the course root").tag(config=True)
        results_directory = Unicode(RESULTS_DIR, help="where engine results are stored and reused").tag(config=True)
        lang = Unicode("", help="feedback language (ko|en); default: grading.yml").tag(config=True)
        sandbox = Unicode("", help="force a sandbox level (L0|L1|L2|L2+L1); default: strongest").tag(config=True)
        use_cache = Bool(True, help="reuse a stored result whose digest matches the notebook").tag(config=True)

    def _coursedir(self):
        converter = getattr(getattr(self, "parent", None), "parent", None)
        return getattr(converter, "coursedir", None) or _running_coursedir()

    def preprocess(self, nb, resources):
        ids = resources["nbgrader"]
        student, assignment_id, notebook_id = ids["student"], ids["assignment"], ids["notebook"]
        coursedir = self._coursedir()
        root = Path(coursedir.root).resolve()
        assignment = cached_assignment(assignment_id, root / self.grading_file)
        lang = self.lang or assignment.feedback_language
        if notebook_id != Path(assignment.notebook).stem:
            self.log.warning("%s/%s: notebook %s is not graded by the engine (grading.yml names %s)",
                             student, assignment_id, notebook_id, assignment.notebook)
            drop_orphan_metadata(nb)
            zero_unknown_grade_cells(nb, set(), lang)
            return nb, resources
        if self.sandbox:   # a forced level that cannot run here: say what is missing, grade nothing
            from ..sandbox.levels import require_level
            require_level(self.sandbox)
        submitted = Path(coursedir.format_path(coursedir.submitted_directory, student, assignment_id))
        digest = engine_digest(nb, assignment, lang)
        store = result_path(root, assignment_id, student, self.results_directory)
        result = load_result(store) if self.use_cache else None
        if result is not None and result.get("digest") == digest:
            self.log.info("%s/%s: using the engine result in %s", student, assignment_id, store)
        else:
            result = grade_node(nb, assignment, lang=lang, level=self.sandbox or None,
                                notes=read_notes(submitted))
            result.update(student_id=student, digest=digest,
                          notebook=str(submitted / f"{notebook_id}.ipynb"))
            save_result(store, result)
            self.log.info("%s/%s: engine score %s / %s", student, assignment_id, result["score"],
                          result["max_score"])
        apply_result(nb, result, assignment, lang)
        nb.metadata[ENGINE_KEY] = {"digest": digest, "score": result["score"], "max_score": result["max_score"],
                                   "sandbox": result.get("sandbox"), "status": result.get("status", "graded")}
        return nb, resources


def grade_node(nb, assignment, *, lang: str, level: str | None = None, notes: list[str] | None = None,
               path: str | Path | None = None, suites=None) -> dict:
    """Grade a notebook node (or the file ``path``) with the engine; a plain-data result.

    ``suites``: the hidden suites already collected by a batch worker (see :mod:`autograder.engine.suites`)."""
    from ..engine.grader import grade_notebook
    from ..engine.notebook import NotebookError
    with tempfile.TemporaryDirectory(prefix="autograder-nb-") as tmp:
        if path is None:
            path = Path(tmp) / f"{Path(assignment.notebook).stem}.ipynb"
            nbformat.write(nb, path)
        try:
            result = grade_notebook(path, assignment, lang=lang, level=level, suites=suites).to_dict()
            result["status"] = "graded"
        except NotebookError as exc:
            result = zero_result(assignment, lang, say("unreadable", lang, name=Path(path).name,
                                                       reason=str(exc)[:160]), status="unreadable")
    result["notes"] = list(notes or []) + [n for n in result.get("notes", []) if n not in (notes or [])]
    return result


def sanitized_notebook(notebook: str | Path, coursedir, config, student: str, assignment_id: str):
    """The notebook exactly as ``nbgrader autograde`` hands it to :class:`EngineGrade`.

    Runs the course's configured ``Autograde.sanitize_preprocessors`` (reading
    the gradebook, never writing it).
    """
    key = _sanitized_key(notebook, coursedir, student, assignment_id)
    if key is not None and key in _SANITIZED:
        return nbformat.reads(_SANITIZED[key], as_version=4)
    from nbconvert.exporters import NotebookExporter
    from nbgrader.converters import Autograde
    from traitlets.config import Config
    config = Config(config)
    config.Exporter.default_preprocessors = []
    converter = Autograde(coursedir=coursedir, config=config)
    exporter = NotebookExporter(parent=converter, config=converter.config)
    for preprocessor in remembering_metadata_check(converter.sanitize_preprocessors):
        exporter.register_preprocessor(preprocessor)
    resources = {"nbgrader": {"student": student, "assignment": assignment_id,
                              "notebook": Path(notebook).stem, "db_url": coursedir.db_url},
                 "unique_key": Path(notebook).stem}
    output, _ = exporter.from_filename(str(notebook), resources=resources)
    if key is not None:
        _SANITIZED[key] = output
    return nbformat.reads(output, as_version=4)


#: sanitized_notebook's results in this process (``autograder batch`` sanitises every submission before
#: grading it; autograder.course.record reuses that instead of running the same preprocessors again).
_SANITIZED: dict[tuple, str] = {}


def remember_sanitized(notebook: str | Path, coursedir, student: str, assignment_id: str, text: str) -> None:
    """``text`` is what :func:`sanitized_notebook` gives for this submission: ``autograder batch``'s grading
    processes ran the sanitise pass, and the recording step (forked from this process) reuses it."""
    key = _sanitized_key(notebook, coursedir, student, assignment_id)
    if key is not None:
        _SANITIZED[key] = text


def known_sanitized(notebook: str | Path, coursedir, student: str, assignment_id: str) -> str | None:
    """The text :func:`sanitized_notebook` gave (or was told of) for this submission in this process, if any."""
    key = _sanitized_key(notebook, coursedir, student, assignment_id)
    return _SANITIZED.get(key) if key is not None else None


def _sanitized_key(notebook, coursedir, student: str, assignment_id: str) -> tuple | None:
    """What the sanitised notebook depends on: the file's bytes, who and what it is, and the gradebook
    (OverwriteCells reads the released cells from it)."""
    try:
        data = Path(notebook).read_bytes()
        db = coursedir.db_url[len("sqlite:///"):] if coursedir.db_url.startswith("sqlite:///") else None
        db_stat = Path(db).stat() if db else None
    except OSError:
        return None
    if db is None:
        return None
    return (str(Path(notebook).resolve()), hashlib.sha256(data).hexdigest(), student, assignment_id,
            str(Path(coursedir.root).resolve()), coursedir.db_url, db_stat.st_mtime_ns)


def forget_sanitized() -> None:
    _SANITIZED.clear()
