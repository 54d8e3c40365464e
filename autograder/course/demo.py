"""``autograder demo``: the whole nbgrader course cycle on a built-in demo class.

In a temporary copy of the course (or the ``--keep`` folder), with a local
exchange and a private HOME for every user:

1. release: ``nbgrader generate_assignment`` (as ``autograder release`` runs it), then
   ``nbgrader release_assignment`` to the exchange.  The solution notebooks are the committed
   ones (``make release`` regenerates them, a test keeps them in sync with ``source/``): nbgrader's
   cycle does not need ``generate_solution``, which runs every notebook once more;
2. every student of ``demo/class.yml`` fetches the assignment, works on it
   (the reference solution, typical mistakes, an attack, an empty file, a
   renamed notebook, a resubmission...) and submits (nbgrader's exchange, as
   ``fetch_assignment`` / ``submit --student``);
3. ``nbgrader collect``;
4. ``autograder batch``: the engine grades every submission in parallel,
   ``nbgrader autograde`` records the grades, ``nbgrader generate_feedback``
   writes the feedback pages;
5. ``nbgrader release_feedback`` and ``nbgrader export``;
6. the grade table, checked against nbgrader's export, and where the feedback is.

Nothing is written outside the work folder.
"""
from __future__ import annotations

import contextlib
import csv
import os
import shutil
import tempfile
import time
from pathlib import Path

import nbformat
import yaml

from .batch import nbgrader_command, format_table, run_batch
from ..config import get_assignment
from .release import release
from .submissions import build_submission

COURSE_FILES = ("source", "solutions", "grading.yml", "nbgrader_config.py")


def copy_course(repo: Path, dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for name in COURSE_FILES:
        src = repo / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
        else:
            shutil.copy2(src, dest / name)
    return dest


@contextlib.contextmanager
def private_home(home: Path):
    """Point HOME and Jupyter's folders at ``home`` while the demo runs nbgrader and kernels.

    Torch's compile cache too: it appears in $TMPDIR after an optimizer step, in every process
    that trains (the grader's own included).  TMPDIR itself stays, since the sandbox's
    workspaces live there and must stay reachable by the worker's uid.
    """
    home.mkdir(parents=True, exist_ok=True)
    names = {"HOME": home, "JUPYTER_CONFIG_DIR": home / ".jupyter",
             "JUPYTER_DATA_DIR": home / ".local" / "share" / "jupyter",
             "JUPYTER_RUNTIME_DIR": home / ".local" / "share" / "jupyter" / "runtime",
             "IPYTHONDIR": home / ".ipython", "TORCHINDUCTOR_CACHE_DIR": home / ".cache" / "torchinductor"}
    saved = {k: os.environ.get(k) for k in names}
    os.environ.update({k: str(v) for k, v in names.items()})
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _exchange_config(home: Path, exchange: Path, course_id: str, assignment: str, student: str):
    from traitlets.config import Config
    config = Config()
    config.CourseDirectory.root = str(home)
    config.CourseDirectory.course_id = course_id
    config.CourseDirectory.assignment_id = assignment
    config.CourseDirectory.student_id = student
    config.Exchange.root = str(exchange)
    config.Exchange.assignment_dir = str(home)
    config.Exchange.cache = str(home / ".local" / "share" / "jupyter" / "nbgrader_cache")
    return config


def student_exchange(action: str, home: Path, exchange: Path, course_id: str, assignment: str,
                     student: str) -> None:
    """``nbgrader fetch_assignment`` / ``nbgrader submit --student`` for one student, through
    nbgrader's own exchange classes (what those commands run, without a process start each)."""
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.exchange.default import ExchangeFetchAssignment, ExchangeFetchFeedback, ExchangeSubmit
    config = _exchange_config(home, exchange, course_id, assignment, student)
    cls = {"fetch_assignment": ExchangeFetchAssignment, "submit": ExchangeSubmit,
           "fetch_feedback": ExchangeFetchFeedback}[action]
    cls(coursedir=CourseDirectory(config=config), authenticator=Authenticator(config=config),
        config=config).start()


def _tamper(path: Path, actions: list[str]) -> None:
    nb = nbformat.read(path, as_version=4)
    checks = [c for c in nb.cells if (c.metadata.get("nbgrader") or {}).get("grade")
              and not c.metadata["nbgrader"].get("solution")]
    for action in actions:
        if action == "edit_checks":
            for cell in checks:
                cell.source = "pass  # the student replaced this check"
        elif action == "delete_check" and checks:
            nb.cells.remove(checks[-1])
        else:
            raise ValueError(f"demo/class.yml: unknown tamper action {action!r}")
    nbformat.write(nb, path)


def work_on(spec: dict, folder: Path, notebook: str, bases: dict[str, Path], repo: Path) -> None:
    """What the student does between fetch and submit: leave ``folder`` as they would submit it."""
    target = folder / notebook
    if spec.get("file") == "empty":
        target.write_bytes(b"")
    elif spec.get("file") == "corrupt":
        target.write_text('{"cells": [{"cell_type": "code", "source": "def f(', encoding="utf-8")   # cut short
    elif spec.get("file"):
        raise ValueError(f"demo/class.yml: unknown file kind {spec['file']!r}")
    else:
        build_submission(bases[spec.get("base", "release")], [repo / v for v in spec.get("variants", [])], target)
        if spec.get("tamper"):
            _tamper(target, list(spec["tamper"]))
    if spec.get("save_as"):
        target.rename(folder / spec["save_as"])


def _class_spec(repo: Path) -> list[tuple[str, list[dict]]]:
    spec = yaml.safe_load((repo / "demo" / "class.yml").read_text(encoding="utf-8"))
    if "assignments" in spec:   # several assignments: [{assignment: NAME, students: [...]}, ...]
        return [(entry["assignment"], entry["students"]) for entry in spec["assignments"]]
    return [(spec["assignment"], spec["students"])]


def _read_export(path: Path) -> dict[tuple[str, str], dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return {(row["assignment"], row["student_id"]): row for row in csv.DictReader(handle)}


def run_demo(repo: Path, keep: Path | None = None, lang: str | None = None, echo=print,
             jobs: int | None = None, timeout: float | None = None) -> list[dict]:
    """Run the demo; return one row per student and assignment (id, per-question scores, total...)."""
    started = time.monotonic()
    work = Path(keep).resolve() if keep else Path(tempfile.mkdtemp(prefix="cnn-course-demo-"))
    work.mkdir(parents=True, exist_ok=True)
    course = copy_course(repo, work / "course")
    exchange = work / "exchange"
    exchange.mkdir(exist_ok=True)
    classes = _class_spec(repo)
    all_rows: list[dict] = []
    with private_home(work / "home" / "instructor"):
        course_id = _course_id(course)
        for assignment_name, students in classes:
            assignment = get_assignment(assignment_name, course / "grading.yml")
            step = _steps(echo, started)
            step(f"release {assignment.name}: nbgrader generate_assignment in {course}")
            release(assignment, solution=False)
            nbgrader_command(course, "release_assignment", assignment.name, f"--Exchange.root={exchange}", "--force")
            step(f"nbgrader release_assignment -> exchange {exchange}")

            bases = {"release": assignment.release_dir / assignment.notebook,
                     "solution": course / "solutions" / assignment.name / assignment.notebook}
            for student in students:
                home = work / "home" / student["id"]
                home.mkdir(parents=True, exist_ok=True)
                folder = home / assignment.name
                rounds = [student["first"], student] if student.get("first") else [student]
                for number, attempt in enumerate(rounds):
                    if folder.exists():
                        shutil.rmtree(folder)
                    student_exchange("fetch_assignment", home, exchange, course_id, assignment.name, student["id"])
                    work_on(attempt, folder, assignment.notebook, bases, repo)
                    if number:
                        time.sleep(0.01)   # exchange timestamps have microseconds; keep them ordered
                    student_exchange("submit", home, exchange, course_id, assignment.name, student["id"])
            step(f"{len(students)} students: nbgrader fetch_assignment, work, nbgrader submit --student <id>"
                 f" ({sum(2 if s.get('first') else 1 for s in students)} submissions)")

            nbgrader_command(course, "collect", assignment.name, f"--Exchange.root={exchange}",
                      "--ExchangeCollect.check_owner=False")
            step(f"nbgrader collect {assignment.name}")

            step(f"autograder batch {assignment.name} -j {jobs or os.cpu_count()}: engine in parallel, "
                 "then nbgrader autograde + generate_feedback")
            report = run_batch(course, assignment.name, jobs=jobs, timeout=timeout, lang=lang,
                               echo=lambda line: echo("      " + line))
            nbgrader_command(course, "release_feedback", assignment.name, f"--Exchange.root={exchange}")
            received = 0
            for student in students:
                home = work / "home" / student["id"]
                student_exchange("fetch_feedback", home, exchange, course_id, assignment.name, student["id"])
                received += any((home / assignment.name / "feedback").glob("*/*.html"))
            step(f"nbgrader release_feedback {assignment.name}; nbgrader fetch_feedback: "
                 f"{received} of {len(students)} students received their feedback page")
            for row in report.rows:
                row["assignment"] = assignment.name
            all_rows += report.rows

            export = work / "grades_nbgrader.csv"
            nbgrader_command(course, "export", f"--to={export}")
            step(f"nbgrader export --to {export}")
            exported = _read_export(export)
            mismatches = [r["student_id"] for r in report.rows
                          if abs(float(exported.get((assignment.name, r["student_id"]), {}).get("raw_score") or -1)
                                 - r["total"]) > 1e-3]
            echo("")
            echo(format_table(report.rows, report.questions, _demo_notes(students)))
            echo("")
            echo(f"engine grades:   {report.csv_path}")
            echo(f"nbgrader export: {export}  -> "
                 + ("same totals as the engine for every student" if not mismatches
                    else f"DIFFERENT totals for {', '.join(mismatches)}"))
            echo(f"feedback pages:  {len(report.feedback)} pages, e.g.")
            for student_id, page in list(report.feedback.items())[:3]:
                echo(f"   {page}")
            echo(f"   (all: {course / 'feedback'}/<student>/{assignment.name}/{Path(assignment.notebook).stem}.html)")
    echo(f"\ndemo finished in {time.monotonic() - started:.0f} s; everything is in {work}")
    return all_rows


def _course_id(course: Path) -> str:
    from .nbgrader_bridge import course_directory
    return course_directory(course).course_id


def _demo_notes(students: list[dict]) -> dict[str, str]:
    """What the table cannot know from the submission folder: resubmissions, attacks."""
    notes = {}
    for student in students:
        words = []
        if student.get("first"):
            words.append("resubmitted(latest graded)")
        if any("attack" in str(v) for v in student.get("variants", [])):
            words.append("attack(contained)")
        notes[student["id"]] = " ".join(words)
    return notes


def _steps(echo, started: float):
    def step(text: str) -> None:
        echo(f"[{time.monotonic() - started:5.1f} s] {text}")
    return step
