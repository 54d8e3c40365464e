"""The fast recording path (autograder/record.py, record_feedback.py) leaves exactly what
``nbgrader autograde`` + ``nbgrader generate_feedback`` leave.

One class of six, graded once by the engine (``batch --shard 1/1`` stores results and records
nothing), is copied twice: in one copy the stock commands record it (what ``autograder batch``
ran before), in the other ``autograder batch`` does with its fast path.  Then every table of
both gradebooks, the ``nbgrader export`` CSV, every file under ``autograded/`` (bytes and
permissions), every feedback page and the submission folders must be identical.  The class
has a reference, an untouched release, a wrong answer, a renamed notebook, an unreadable file
and tampered nbgrader metadata; half of it is late, with nbgrader's "zero" penalty, and a
grader's manual score is already in the gradebook.

The only normalisation: nbgrader gives every row it creates while recording (submission,
submitted notebook, grade, comment) a random uuid4 ``id``; those ids, and the columns that
point at them, are replaced by the row's natural key (student, notebook, cell), which the
schema makes unique.  Nothing else is normalised: no timestamp is (the submission time comes
from ``timestamp.txt``), no score, comment, flag or penalty.
"""
from __future__ import annotations

import csv
import datetime
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

import warm_cli

from conftest import ASSIGNMENT, RELEASE_DIR, ROOT, SOLUTION_DIR, course_from_release, tool_env
from autograder.course.submissions import build_submission
from hostile_notebooks import foreign_and_edited, write_variant

NB = f"{ASSIGNMENT}.ipynb"
CORPUS = ROOT / "tests" / "corpus" / ASSIGNMENT
ON_TIME, LATE = datetime.datetime(2019, 6, 1).timestamp(), datetime.datetime(2021, 6, 1).timestamp()


def run(args: list[str], course: Path, home: Path) -> subprocess.CompletedProcess:
    return warm_cli.python(args, course, tool_env(home))


def ok(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout


@pytest.fixture(scope="module")
def graded(tmp_path_factory, released_course):
    """A class graded by the engine (results stored), nothing recorded yet but one student."""
    tmp = tmp_path_factory.mktemp("record")
    home = tmp / "home"
    home.mkdir()
    graded = course_from_release(released_course, tmp / "graded")
    with open(graded / "nbgrader_config.py", "a", encoding="utf-8") as config:
        config.write('\nc.LateSubmissionPlugin.penalty_method = "zero"\n')
    ok(run(["-m", "autograder.course.nbgrader_cli", "db", "assignment", "add", ASSIGNMENT, "--duedate=2020-01-01 00:00:00 UTC"],
           graded, home))
    inbox = tmp / "inbox"
    inbox.mkdir()
    shutil.copy2(SOLUTION_DIR / NB, inbox / "ref.ipynb")
    shutil.copy2(RELEASE_DIR / NB, inbox / "blank.ipynb")
    build_submission(SOLUTION_DIR / NB, [CORPUS / "wrong" / "zero_pad_one_side.py"], inbox / "wrong.ipynb")
    write_variant(SOLUTION_DIR / NB, foreign_and_edited, inbox / "tamper.ipynb")
    (inbox / "broken.ipynb").write_text("this is not a notebook")
    (inbox / "dora").mkdir()
    shutil.copy2(SOLUTION_DIR / NB, inbox / "dora" / "my copy.ipynb")
    for index, path in enumerate(sorted(p for p in inbox.rglob("*.ipynb"))):
        moment = LATE if index % 2 else ON_TIME
        os.utime(path, (moment, moment))
    ok(run(["-m", "autograder", "batch", ASSIGNMENT, "--from", str(inbox), "--shard", "1/1", "-j", "2",
            "--lang", "en"], graded, home))
    # One student recorded already (both paths must skip it), and a grader's manual score on a submission
    # not autograded yet (nbgrader then flags that cell for review).
    ok(run(["-m", "autograder.course.nbgrader_cli", "autograde", ASSIGNMENT, "--student", "blank", "--EngineGrade.lang=en"], graded, home))
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{graded / 'gradebook.db'}", "cnn-course") as gb:
        gb.update_or_create_student("ref")
        gb.update_or_create_submission(ASSIGNMENT, "ref")
        gb.find_grade("test_zero_pad", ASSIGNMENT, ASSIGNMENT, "ref").manual_score = 1.5
        gb.db.commit()
    return {"tmp": tmp, "home": home, "graded": graded}


@pytest.fixture(scope="module")
def courses(graded):
    """stock: what `autograder batch` ran before (one nbgrader autograde, then generate_feedback);
    fast: `autograder batch` now (every engine result is up to date: it only records)."""
    tmp, home = graded["tmp"], graded["home"]
    stock, fast = tmp / "stock", tmp / "fast"
    shutil.copytree(graded["graded"], stock, symlinks=True)
    shutil.copytree(graded["graded"], fast, symlinks=True)
    ok(run(["-m", "nbgrader", "autograde", ASSIGNMENT, "--EngineGrade.lang=en"], stock, home))
    ok(run(["-m", "nbgrader", "generate_feedback", ASSIGNMENT], stock, home))
    out = ok(run(["-m", "autograder", "batch", ASSIGNMENT, "-j", "2", "--lang", "en"], fast, home))
    assert "graded 0 of 6" in out and "recorded 5 submission(s)" in out, out
    return {"stock": stock, "fast": fast, "home": home, "tmp": tmp}


@pytest.fixture(scope="module")
def forced(courses):
    """Then everything recorded again with --force (nbgrader replaces what is there), both ways."""
    tmp, home = courses["tmp"], courses["home"]
    stock, fast = tmp / "stock-forced", tmp / "fast-forced"
    shutil.copytree(courses["stock"], stock, symlinks=True)
    shutil.copytree(courses["fast"], fast, symlinks=True)
    ok(run(["-m", "nbgrader", "autograde", ASSIGNMENT, "--force", "--EngineGrade.lang=en"], stock, home))
    ok(run(["-m", "nbgrader", "generate_feedback", ASSIGNMENT, "--force"], stock, home))
    # The batch's recording and feedback steps alone (--force on the batch would grade again).
    code = ("import sys; from pathlib import Path; from autograder.course import batch; "
            "root = Path('.').resolve(); log = root / 'results' / sys.argv[1] / 'batch.log'; "
            "batch._record(root, sys.argv[1], ['--EngineGrade.lang=en', '--force'], 2, log, print); "
            "batch._feedback_pages(root, sys.argv[1], ['--force'], 2, log, print)")
    out = ok(run(["-c", code, ASSIGNMENT], fast, home))
    assert "recorded 6 submission(s)" in out, out
    return {"stock": stock, "fast": fast, "home": home, "tmp": tmp}


@pytest.fixture(params=["first", "forced"])
def pair(request, courses, forced):
    return courses if request.param == "first" else forced


# -- the gradebook, normalised only for the ids of rows created while recording ----------------

RECORDED = {   # table -> (natural key columns, with ids of other recorded rows resolved)
    "submitted_assignment": ("assignment_id", "student_id"),
    "submitted_notebook": ("assignment_id", "notebook_id"),
    "grade": ("notebook_id", "cell_id"),
    "comment": ("notebook_id", "cell_id"),
}
POINTERS = {("submitted_notebook", "assignment_id"): "submitted_assignment",
            ("grade", "notebook_id"): "submitted_notebook", ("comment", "notebook_id"): "submitted_notebook"}


def gradebook(course: Path) -> dict[str, list[tuple]]:
    db = sqlite3.connect(course / "gradebook.db")
    tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    rows = {t: [dict(zip([c[0] for c in db.execute(f"SELECT * FROM {t}").description], r))
                for r in db.execute(f"SELECT * FROM {t}")] for t in tables}
    natural: dict[str, dict[str, tuple]] = {}
    for table in ("submitted_assignment", "submitted_notebook", "grade", "comment"):   # parents first
        natural[table] = {}
        for row in rows[table]:
            for (owner, column), target in POINTERS.items():
                if owner == table:
                    row[column] = natural[target][row[column]]
            natural[table][row["id"]] = tuple(row[c] for c in RECORDED[table])
            row["id"] = natural[table][row["id"]]
    db.close()
    return {t: sorted((tuple(sorted(r.items())) for r in table_rows), key=repr) for t, table_rows in rows.items()}


def test_every_gradebook_table_is_identical(pair):
    stock, fast = gradebook(pair["stock"]), gradebook(pair["fast"])
    assert set(stock) == set(fast)
    for table in stock:
        assert fast[table] == stock[table], table
    # The class exercises what the comparison must see.
    grades = [dict(r) for r in stock["grade"]]
    assert any(g["manual_score"] == 1.5 and g["needs_manual_grade"] for g in grades)
    assert {g["auto_score"] for g in grades} > {0.0, 5.0}
    penalties = {dict(r)["late_submission_penalty"] for r in stock["submitted_notebook"]}
    assert None in penalties and any(p for p in penalties if p)
    assert any(dict(r)["auto_comment"] == "No response." for r in stock["comment"])


def test_nbgrader_export_is_identical(pair):
    exported = {}
    for name in ("stock", "fast"):
        out = pair[name].parent / f"{pair[name].name}-export.csv"
        ok(run(["-m", "autograder.course.nbgrader_cli", "export", f"--to={out}"], pair[name], pair["home"]))
        with open(out, newline="", encoding="utf-8") as handle:
            exported[name] = sorted(tuple(row.items()) for row in csv.DictReader(handle))
    assert exported["fast"] == exported["stock"]
    assert len(exported["stock"]) == 6


def files(folder: Path) -> dict[str, tuple[int, bytes]]:
    return {str(p.relative_to(folder)): (p.stat().st_mode & 0o777, p.read_bytes())
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("folder", ["autograded", "feedback", "submitted"])
def test_autograded_notebooks_feedback_pages_and_submissions_are_identical(pair, folder):
    stock, fast = files(pair["stock"] / folder), files(pair["fast"] / folder)
    assert sorted(fast) == sorted(stock)
    for name in stock:
        assert fast[name] == stock[name], name
    if folder == "feedback":   # the hooks ran: question table, renamed-notebook copy
        assert "dora/cnn_step_by_step/my copy.html" in stock
        assert all(b"autograder-question-table" in data for name, (_, data) in stock.items() if name.endswith(".html"))
    if folder == "autograded":
        assert "broken/cnn_step_by_step/timestamp.txt" in stock


def test_comparison_would_see_a_changed_score(courses, tmp_path):
    """The gradebook comparison is not vacuous: one auto_score changed in a copy is a difference."""
    copy = tmp_path / "copy"
    copy.mkdir()
    shutil.copy2(courses["fast"] / "gradebook.db", copy / "gradebook.db")
    with sqlite3.connect(copy / "gradebook.db") as db:
        db.execute("UPDATE grade SET auto_score = auto_score + 0.25 WHERE rowid = (SELECT MIN(rowid) FROM grade)")
    assert gradebook(copy)["grade"] != gradebook(courses["stock"])["grade"]


def test_a_failure_records_nothing_and_says_so_in_one_line(courses, tmp_path):
    course = tmp_path / "course"
    shutil.copytree(courses["fast"], course, symlinks=True)
    for student in ("wrong", "tamper"):   # to be recorded again; one of them cannot be
        for sub in (course / "autograded" / student).rglob("*"):
            sub.chmod(0o755 if sub.is_dir() else 0o644)
        shutil.rmtree(course / "autograded" / student)
    before = gradebook(course), files(course / "autograded")
    (course / "submitted" / "wrong" / ASSIGNMENT / "timestamp.txt").write_text("not a time\n")
    proc = run(["-m", "autograder", "batch", ASSIGNMENT, "-j", "2", "--lang", "en", "--no-feedback"], course,
               courses["home"])
    assert proc.returncode == 2, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "could not record wrong" in proc.stderr and "nothing was recorded" in proc.stderr
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert (gradebook(course), files(course / "autograded")) == before
    assert not list((course / "results" / ASSIGNMENT).glob(".recording-*"))


def test_a_class_larger_than_sqlites_page_cache_records_the_same(forced, tmp_path):
    """A large class's transaction outgrows SQLite's page cache: the writer then spills pages into
    the file and must hold the exclusive lock until it commits.  The notebook workers, which read
    the released cells meanwhile, must not be locked out (a class of 1000 was).  A cache of a few
    pages makes six students spill as a thousand do."""
    course = tmp_path / "course"
    shutil.copytree(forced["fast"], course, symlinks=True)
    code = ("import sys; from pathlib import Path; from autograder.course import batch, record_gradebook; "
            "record_gradebook.CACHE_PAGES = 2; "
            "root = Path('.').resolve(); log = root / 'results' / sys.argv[1] / 'batch.log'; "
            "batch._record(root, sys.argv[1], ['--EngineGrade.lang=en', '--force'], 2, log, print)")
    out = ok(run(["-c", code, ASSIGNMENT], course, forced["home"]))
    assert "recorded 6 submission(s)" in out, out
    stock, fast = gradebook(forced["stock"]), gradebook(course)
    assert fast == stock
    assert files(course / "autograded") == files(forced["stock"] / "autograded")


# -- the feedback workers read one in-memory copy of the gradebook ------------------------------

@pytest.mark.parametrize("jobs", [1, 2])
def test_feedback_pages_never_open_the_gradebook_file(forced, tmp_path, jobs):
    """nbgrader's GetGrades and the question table read the copy taken before the workers fork: once it
    is taken, the file is replaced by bytes that are not a database, and every page must still be stock
    nbgrader's (a worker that opened the file would fail, and its student's pages be missing)."""
    course = tmp_path / "course"
    shutil.copytree(forced["fast"], course, symlinks=True)
    shutil.rmtree(course / "feedback")
    garbage = b"not a database " * 512
    code = ("import sys; from pathlib import Path; from autograder.course import batch, record_feedback\n"
            "root = Path('.').resolve(); log = root / 'results' / sys.argv[1] / 'batch.log'\n"
            "real = record_feedback.snapshot\n"
            "def snapshot_then_hide(url):\n"
            "    image = real(url)\n"
            "    path = Path(url.removeprefix('sqlite:///'))\n"
            "    path.rename(path.with_name('gradebook.hidden'))\n"
            f"    path.write_bytes({garbage!r})\n"
            "    return image\n"
            "record_feedback.snapshot = snapshot_then_hide\n"
            "batch._feedback_pages(root, sys.argv[1], ['--force'], int(sys.argv[2]), log, print)\n")
    out = ok(run(["-c", code, ASSIGNMENT, str(jobs)], course, forced["home"]))
    assert "reported errors" not in out, out
    assert (course / "gradebook.db").read_bytes() == garbage
    assert files(course / "feedback") == files(forced["stock"] / "feedback")


def test_the_gradebook_is_copied_only_when_reading_it_can_write_nothing(tmp_path, monkeypatch):
    """nbgrader's ``Gradebook(db_url, course)`` adds a missing course row or table: then the file is read
    as nbgrader does (what it adds lands in the file), never a copy that would keep it to itself."""
    from types import SimpleNamespace
    from nbgrader.api import Gradebook
    from autograder.course.record_feedback import gradebook_image
    monkeypatch.setenv("PATH", tool_env()["PATH"])      # nbgrader runs `alembic` for a new gradebook
    path = tmp_path / "gradebook.db"
    coursedir = SimpleNamespace(db_url=f"sqlite:///{path}", course_id="cnn-course")
    assert gradebook_image(coursedir) is None and not path.exists()          # (and none created)
    Gradebook(coursedir.db_url, "cnn-course").close()
    assert gradebook_image(coursedir) is None                              # no "default_course" (GetGrades')
    Gradebook(coursedir.db_url).close()
    image = gradebook_image(coursedir)
    assert image and image == path.read_bytes()
    assert gradebook_image(SimpleNamespace(db_url=coursedir.db_url, course_id="other")) is None
    assert gradebook_image(SimpleNamespace(db_url="postgresql://host/db", course_id="cnn-course")) is None
    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE comment")
    assert gradebook_image(coursedir) is None
