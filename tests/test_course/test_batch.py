"""`autograder batch`: parallel grading, time limit, resume, gradebook, CSV, feedback, LMS archives.

One course copy goes through several batch runs: a folder of notebooks (with a
submission that hangs past the time limit, a corrupt one and a renamed one),
the same folder again (nothing to do), then a Canvas-style zip collected by
`nbgrader zip_collect` plus one changed submission (only those are graded).
`nbgrader export` must agree with the batch's CSV at the end.
"""
from __future__ import annotations

import csv
import datetime
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

import warm_cli
import yaml

from conftest import ASSIGNMENT, ROOT, SOLUTION_DIR, copy_course, course_from_release, tool_env
from autograder.config import get_assignment
from autograder.course.submissions import build_submission

NB = f"{ASSIGNMENT}.ipynb"
CORPUS = ROOT / "tests" / "corpus" / ASSIGNMENT
POLICY = get_assignment(ASSIGNMENT, ROOT / "grading.yml")
LIMIT_S = 10   # the reference needs ~1 s here; the hanging submission burns a core until the limit


def _run(args: list[str], cwd: Path, home: Path, timeout: float = 900) -> subprocess.CompletedProcess:
    return warm_cli.python(args, cwd, tool_env(home), timeout)


def batch(course: Path, home: Path, *extra: str) -> subprocess.CompletedProcess:
    proc = _run(["-m", "autograder", "batch", ASSIGNMENT, "--course", str(course), "-j", "2",
                 "--timeout", str(LIMIT_S), "--lang", "en", *extra], cwd=course, home=home)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


def rows(course: Path) -> dict[str, dict]:
    with open(course / "results" / ASSIGNMENT / "grades.csv", newline="") as handle:
        return {r["student_id"]: r for r in csv.DictReader(handle)}


def _sleeping_hang(path: Path) -> Path:
    """The corpus's hang (tests/corpus/.../attacks/loud_hang_ignoring_signals.py, which tests/test_security
    grades as it is) waiting instead of spinning: the batch's time limit stops it the same way, and the
    other test worker gets the core it would have burnt until the limit."""
    spinning = (CORPUS / "attacks" / "loud_hang_ignoring_signals.py").read_text(encoding="utf-8")
    assert "    while True:\n        pass\n" in spinning and "import signal\n" in spinning
    waiting = spinning.replace("import signal\n", "import signal\nimport time\n").replace(
        "    while True:\n        pass\n", "    while True:\n        time.sleep(1)\n")
    path.write_text(waiting, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def course(tmp_path_factory, released_course):
    tmp = tmp_path_factory.mktemp("batch")
    course = course_from_release(released_course, tmp / "course")
    # Generous engine limits, so the hanging submission outlives the batch's own time limit.
    policy = yaml.safe_load((course / "grading.yml").read_text())
    policy["defaults"]["limits"].update(call_timeout_s=40, load_timeout_s=60, submission_timeout_s=300)
    (course / "grading.yml").write_text(yaml.safe_dump(policy, sort_keys=False))
    home = tmp / "home"
    home.mkdir()
    inbox = tmp / "inbox"
    inbox.mkdir()
    shutil.copy2(SOLUTION_DIR / NB, inbox / "ref.ipynb")
    build_submission(SOLUTION_DIR / NB, [CORPUS / "wrong" / "zero_pad_one_side.py"], inbox / "wrong.ipynb")
    build_submission(SOLUTION_DIR / NB, [_sleeping_hang(tmp / "hang.py")], inbox / "hang.ipynb")
    (inbox / "broken.ipynb").write_text("this is not a notebook")
    (inbox / "dora").mkdir()
    shutil.copy2(SOLUTION_DIR / NB, inbox / "dora" / "my copy.ipynb")
    return {"tmp": tmp, "course": course, "home": home, "inbox": inbox}


@pytest.fixture(scope="module")
def first_run(course):
    proc = batch(course["course"], course["home"], "--from", str(course["inbox"]))
    return proc, rows(course["course"])


@pytest.fixture(scope="module")
def resumed_run(first_run, course):
    proc = batch(course["course"], course["home"], "--from", str(course["inbox"]))
    return proc, rows(course["course"])


def _canvas_zip(path: Path) -> Path:
    """What Canvas "Download Submissions" gives: <name>_[LATE_]<user id>_<submission id>_<file>."""
    tmp = path.parent / "zip-src"
    tmp.mkdir()
    build_submission(SOLUTION_DIR / NB, [CORPUS / "wrong" / "distribute_value_swapped.py"],
                     tmp / f"alicesmith_1001_2001_{NB}")
    shutil.copy2(SOLUTION_DIR / NB, tmp / f"bobjones_LATE_1002_2002_{ASSIGNMENT}-1.ipynb")   # a resubmission
    (tmp / f"carolwu_1003_2003_{NB}").write_text('{"cells": [')
    (tmp / "davidkim_1004_2004_notes.txt").write_text("not a notebook")
    with zipfile.ZipFile(path, "w") as archive:
        for file in sorted(tmp.iterdir()):
            archive.write(file, file.name)
    return path


@pytest.fixture(scope="module")
def zip_run(resumed_run, course):
    # Meanwhile "wrong" resubmitted (as `nbgrader collect --update` would bring in) after a due
    # date that the course now has, with nbgrader's "zero" late penalty; and a Canvas export
    # arrives with three more students (no timestamps: not late).
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{course['course'] / 'gradebook.db'}", "cnn-course") as gb:
        gb.update_or_create_assignment(ASSIGNMENT, duedate=datetime.datetime(2000, 1, 1))
    with open(course["course"] / "nbgrader_config.py", "a") as config:
        config.write('\nc.LateSubmissionPlugin.penalty_method = "zero"\n')
    shutil.copy2(SOLUTION_DIR / NB, course["course"] / "submitted" / "wrong" / ASSIGNMENT / NB)
    archive = _canvas_zip(course["tmp"] / "submissions.zip")
    proc = batch(course["course"], course["home"], "--from", str(archive))
    return proc, rows(course["course"])


def test_folder_of_notebooks_is_graded_in_parallel_with_a_time_limit(first_run):
    proc, table = first_run
    assert set(table) == {"ref", "wrong", "hang", "broken", "dora"}
    assert float(table["ref"]["total"]) == POLICY.max_score
    assert 0 < float(table["wrong"]["total"]) < POLICY.max_score
    assert 0 < float(table["wrong"]["zero_pad"]) < 5
    assert table["hang"]["status"] == "timeout" and float(table["hang"]["total"]) == 0
    assert float(table["broken"]["total"]) == 0 and "unreadable" in table["broken"]["notes"]
    assert float(table["dora"]["total"]) == POLICY.max_score and "renamed" in table["dora"]["notes"]
    assert "with 2 worker(s)" in proc.stdout and "[5/5]" in proc.stdout and "TIME LIMIT" in proc.stdout
    for row in table.values():
        assert set(row) >= {"student_id", *(q.name for q in POLICY.questions), "total", "late_penalty"}
        assert abs(sum(float(row[q.name]) for q in POLICY.questions) - float(row["total"])) < 1e-3


def test_every_student_gets_nbgrader_feedback(first_run, course):
    for student in first_run[1]:
        page = course["course"] / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html"
        assert page.is_file(), student
    hang = (course["course"] / "feedback" / "hang" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    assert f"limit of {LIMIT_S} s" in hang


def test_a_second_run_has_nothing_to_do(resumed_run, first_run):
    proc, table = resumed_run
    assert "graded 0 of 5" in proc.stdout and "5 up to date" in proc.stdout
    assert "nbgrader autograde" not in proc.stdout
    assert table == first_run[1]


def test_lms_archive_goes_through_nbgrader_zip_collect(zip_run, course):
    proc, table = zip_run
    assert "zip_collect" in proc.stdout
    submitted = course["course"] / "submitted"
    assert (submitted / "alicesmith" / ASSIGNMENT / NB).is_file()
    assert not (submitted / "davidkim").exists()
    assert "graded 4 of 8" in proc.stdout                 # the three new ones and the resubmission
    assert float(table["wrong"]["total"]) == POLICY.max_score
    assert float(table["wrong"]["late_penalty"]) == POLICY.max_score and float(table["wrong"]["score"]) == 0
    assert float(table["alicesmith"]["late_penalty"]) == 0
    assert table["hang"]["status"] == "timeout"            # kept from the first run, not graded again
    assert 0 < float(table["alicesmith"]["distribute_value"]) < 5
    assert float(table["bobjones"]["total"]) == POLICY.max_score and "renamed" in table["bobjones"]["notes"]
    assert float(table["carolwu"]["total"]) == 0 and "unreadable" in table["carolwu"]["notes"]


def test_nbgrader_export_matches_the_batch_csv(zip_run, course):
    out = course["tmp"] / "export.csv"
    proc = _run(["-m", "autograder.course.nbgrader_cli", "export", f"--to={out}"], cwd=course["course"], home=course["home"])
    assert proc.returncode == 0, proc.stderr[-2000:]
    with open(out, newline="") as handle:
        exported = {r["student_id"]: r for r in csv.DictReader(handle) if r["assignment"] == ASSIGNMENT}
    table = zip_run[1]
    assert set(exported) == set(table)
    for student, row in table.items():
        assert float(exported[student]["raw_score"]) == pytest.approx(float(row["total"]), abs=1e-3), student
        assert float(exported[student]["late_submission_penalty"]) == pytest.approx(float(row["late_penalty"]))


@pytest.mark.parametrize("args, fragment", [
    (["-j", "0"], "positive integer"),
    (["--from", "/nonexistent/inbox"], "no such folder"),
])
def test_bad_batch_arguments_are_one_line_exit_2(course, args, fragment):
    proc = _run(["-m", "autograder", "batch", ASSIGNMENT, "--course", str(course["course"]), *args],
                cwd=course["course"], home=course["home"], timeout=120)
    assert proc.returncode == 2
    assert fragment in proc.stderr and proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


def test_batch_needs_the_assignment_in_the_gradebook(tmp_path):
    course = copy_course(tmp_path / "course")
    proc = _run(["-m", "autograder", "batch", ASSIGNMENT, "--course", str(course)], cwd=course, home=tmp_path)
    assert proc.returncode == 2 and "generate_assignment" in proc.stderr and proc.stderr.count("\n") == 1


def test_batch_also_writes_the_canvas_import_file(zip_run, course):
    """With the instructor's Canvas export, the same run writes Canvas's import file: the batch's
    own scores (late penalty included) in the assignment's column, no row for who did not submit."""
    _, table = zip_run
    roster = course["tmp"] / "canvas_export.csv"
    roster.write_text("Student,ID,SIS User ID,SIS Login ID,Section,CNN step by step (4567),Final Score\n"
                      "    Points Possible,,,,,100.00,(read only)\n"
                      "Ref Erence,1,S1,ref,A,,\nWrong Answer,2,S2,wrong,A,,\nAlice Smith,3,S3,alicesmith,A,,\n"
                      "Eve Absent,4,S4,eve,A,,\n", encoding="utf-8")
    proc = batch(course["course"], course["home"], "--canvas-roster", str(roster))
    out = course["course"] / "results" / ASSIGNMENT / "canvas_import.csv"
    assert f"Canvas gradebook import: {out}" in proc.stdout
    with open(out, newline="", encoding="utf-8-sig") as handle:
        cells = {r["SIS Login ID"]: r["CNN step by step (4567)"] for r in csv.DictReader(handle)}
    assert cells.pop("") == "100.00"        # the Points Possible row, as the export had it
    assert "eve" not in cells                # no submission: no row, Canvas keeps what it has
    assert {k: float(v) for k, v in cells.items()} == pytest.approx(
        {k: float(table[k]["score"]) for k in ("ref", "wrong", "alicesmith")}, abs=0.005)
    assert "not in the Canvas roster" in proc.stdout and "dora" in proc.stdout
