"""Hidden suites collected once and run for many submissions (autograder.engine.suites).

A tiny course is written in tmp_path, so what crosses from one submission to
the next can be watched directly: fixtures of every scope, time-out strikes,
the outcomes list.
"""
from __future__ import annotations

import io
import os
import sys
import json
import shutil
from pathlib import Path

import nbformat
import pytest

from autograder.course import grading_pool
from autograder.config import get_assignment
from autograder.engine.grader import GraderError, grade_notebook
from autograder.engine.salt import Salt
from autograder.engine.suites import with_suites

GRADING = """
defaults:
  feedback_language: en
  limits: {call_timeout_s: 1, load_timeout_s: 10, submission_timeout_s: 60}
assignments:
  tiny:
    notebook: tiny.ipynb
    questions:
      - {name: double, points: 10, tests: [hidden_tests/test_double.py]}
      - {name: settle, points: 10, tests: [hidden_tests/test_settle.py]}
"""

TEST_DOUBLE = '''
import pytest

@pytest.fixture(scope="session")
def board():
    return {"written_by": None}


def test_value(student, ref, rng):
    x = int(rng.integers(1, 1000))
    assert student(x) == ref.double(x)


def test_board_is_fresh(student, board):
    # A session fixture left over from the previous submission would already hold a value.
    assert board["written_by"] is None
    board["written_by"] = student(1)
'''

TEST_SETTLE = '''
import pytest


@pytest.mark.parametrize("k", [1, 2, 3])
def test_settles(student, k):
    assert student(k) == k
'''


def _notebook(path: Path, double: str, settle: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(double, metadata={"nbgrader": {"grade_id": "double", "solution": True,
                                                                         "grade": False}}),
                nbformat.v4.new_code_cell(settle, metadata={"nbgrader": {"grade_id": "settle", "solution": True,
                                                                         "grade": False}})]
    nbformat.write(nb, path)
    return path


# The reference counts its calls, to see what the ``ref`` fixture computes once per session.
REFERENCE_DOUBLE = "CALLS = []\n\ndef double(x):\n    CALLS.append(x)\n    return 2 * x"
RIGHT = ("def double(x):\n    return 2 * x", "def settle(k):\n    return k")
WRONG = ("def double(x):\n    return x + 2", "def settle(k):\n    return k")
HANGS = ("def double(x):\n    return 2 * x", "def settle(k):\n    while True:\n        pass")


@pytest.fixture
def tiny(tmp_path):
    root = tmp_path / "course"
    hidden = root / "source" / "tiny" / "hidden_tests"
    hidden.mkdir(parents=True)
    (root / "grading.yml").write_text(GRADING, encoding="utf-8")
    (hidden / "test_double.py").write_text(TEST_DOUBLE, encoding="utf-8")
    (hidden / "test_settle.py").write_text(TEST_SETTLE, encoding="utf-8")
    _notebook(root / "source" / "tiny" / "tiny.ipynb", REFERENCE_DOUBLE, RIGHT[1])
    notebooks = {name: _notebook(tmp_path / f"{name}.ipynb", *code)
                 for name, code in {"hangs": HANGS, "right": RIGHT, "wrong": WRONG}.items()}
    return get_assignment("tiny", root / "grading.yml"), notebooks


def _tests(result) -> dict[str, tuple[float, str]]:
    """Each test's score and the first line of what the student reads."""
    return {t.name: (t.score, t.output.split("\n")[0]) for q in result.questions for t in q.tests}


@pytest.mark.parametrize("tags, double_scores", [(["skip-when-grading"], True), ([], False), (["plot"], False)])
def test_a_cell_tagged_skip_when_grading_is_not_run(tiny, tmp_path, tags, double_scores):
    """A demonstration cell the instructor tagged ``skip-when-grading`` is not run: here one that would
    replace the graded function by a wrong one.  Untagged, or with another tag, it runs and costs points."""
    assignment, notebooks = tiny
    nb = nbformat.read(notebooks["right"], as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("def double(x):\n    return x + 2", metadata={"tags": tags}))
    path = tmp_path / "with_demo.ipynb"
    nbformat.write(nb, path)
    tests = _tests(grade_notebook(path, assignment))
    assert (tests["test_value"][0] > 0) is double_scores
    assert tests["test_settles[1]"][0] > 0


def test_the_students_own_checks_run_a_tagged_cell(tiny, tmp_path):
    """``autograder check`` (visible checks only) runs every cell: a visible check may read what a tagged
    cell makes.  Seen through the note a failing cell leaves: grading has none, the check has one."""
    assignment, notebooks = tiny
    nb = nbformat.read(notebooks["right"], as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("raise ValueError('the demonstration ran')",
                                              metadata={"tags": ["skip-when-grading"]}))
    path = tmp_path / "with_demo.ipynb"
    nbformat.write(nb, path)
    assert not [n for n in grade_notebook(path, assignment).notes if "the demonstration ran" in n]
    assert [n for n in grade_notebook(path, assignment, visible_only=True).notes if "the demonstration ran" in n]


def test_many_submissions_in_one_session_grade_as_each_alone(tiny):
    """Catches state crossing submissions: a session fixture kept (test_board_is_fresh fails for the second
    student), time-out strikes kept (the right notebook after the hanging one would be given up on), outcomes
    of an earlier student counted again (scores above the maximum)."""
    assignment, notebooks = tiny
    order = ["hangs", "right", "wrong", "right"]
    alone = {name: _tests(grade_notebook(notebooks[name], assignment)) for name in set(order)}
    together = with_suites(assignment, lambda suites: [_tests(grade_notebook(notebooks[name], assignment,
                                                                             suites=suites)) for name in order])
    for name, got in zip(order, together):
        assert got == alone[name], name
    assert all(score > 0 for score, _ in alone["right"].values()), alone["right"]
    settles = [text for name, (_, text) in alone["hangs"].items() if name.startswith("test_settles")]
    assert ["did not finish" in text for text in settles] == [True, True, False]
    assert "already timed out 2 times" in settles[2]    # given up on after two strikes
    assert alone["wrong"]["test_value"][0] == 0


def test_suites_carry_their_salt(tiny):
    assignment, notebooks = tiny
    with pytest.raises(GraderError, match="another salt"):
        with_suites(assignment, lambda suites: grade_notebook(notebooks["right"], assignment, suites=suites,
                                                              salt=Salt("not-the-suites-salt")),
                    salt=Salt("the-suites-salt"))


def test_a_broken_hidden_file_fails_every_submission_in_one_line(tiny):
    assignment, notebooks = tiny
    (assignment.source_dir / "hidden_tests" / "test_settle.py").write_text("import no_such_module\n")

    def grade_twice(suites):
        messages = []
        for name in ("right", "wrong"):
            with pytest.raises(GraderError) as info:
                grade_notebook(notebooks[name], assignment, suites=suites)
            messages.append(str(info.value))
        return messages
    for message in with_suites(assignment, grade_twice):
        assert message.startswith("a hidden test file failed to load: ") and "\n" not in message


def test_batch_worker_collects_once_per_assignment_and_answers_every_task(tiny, tmp_path):
    """The worker loop switches sessions when the assignment changes and never drops or repeats a task."""
    assignment, notebooks = tiny
    other = tmp_path / "other"
    other_root = other / "course"
    other_root.mkdir(parents=True)
    shutil.copytree(assignment.course_root / "source", other_root / "source")
    (other_root / "grading.yml").write_text(GRADING.replace("points: 10, tests: [hidden_tests/test_settle.py]",
                                                            "points: 30, tests: [hidden_tests/test_settle.py]"))
    configs = [assignment.course_root / "grading.yml"] * 2 + [other_root / "grading.yml", assignment.course_root
                                                                / "grading.yml"]
    tasks = [{"id": f"s{i}", "submitted": str(notebooks[name]), "notebook": str(tmp_path / "staged" / f"s{i}.ipynb"),
              "assignment": "tiny", "config": str(config), "lang": "en", "level": None, "notes": [],
              "policy": "p", "force": False, "result_path": str(tmp_path / "results" / f"s{i}.json")}
             for i, (name, config) in enumerate(zip(["right", "wrong", "right", "right"], configs))]
    channel = io.StringIO()
    grading_pool._serve(channel, iter(json.dumps(t) + "\n" for t in tasks), GraderError)
    replies = [json.loads(line) for line in channel.getvalue().splitlines()]
    results = [r for r in replies if "result" in r]
    assert [r["id"] for r in results] == ["s0", "s1", "s2", "s3"]
    assert [r["id"] for r in replies if r.get("started")] == ["s0", "s1", "s2", "s3"]
    assert [r["id"] for r in replies if r.get("staged") and r["digest"]] == ["s0", "s1", "s2", "s3"]
    assert [r["result"]["max_score"] for r in results] == [20, 20, 40, 20]
    assert [r["result"]["score"] for r in results] == [20, 15, 40, 20]   # wrong: test_value fails, its board test passes


def test_reference_values_are_computed_once_per_session(tiny):
    """The ref fixture answers equal inputs from the session's store (every submission meets the same
    salted inputs) and forgets them when the session ends."""
    from autograder.engine.reference import load_reference
    assignment, notebooks = tiny
    calls = load_reference(assignment.source_notebook).CALLS
    with_suites(assignment, lambda suites: [grade_notebook(notebooks[name], assignment, suites=suites)
                                            for name in ("right", "wrong", "right")])
    assert len(calls) == 1
    with_suites(assignment, lambda suites: grade_notebook(notebooks["right"], assignment, suites=suites))
    assert len(calls) == 2


@pytest.mark.parametrize("variable, value", [
    ("PYTEST_ADDOPTS", "-x -k settle"),            # stop at the first failure, deselect the other question
    ("PYTEST_PLUGINS", "no_such_plugin_module"),    # a plugin of the TA's shell that pytest cannot import
])
def test_the_shells_pytest_settings_do_not_reach_the_hidden_suites(tiny, monkeypatch, variable, value):
    """Options a TA's shell gives every pytest run must not change a grade (nor stop the grading);
    the variable is left as it was for the TA's own pytest runs."""
    assignment, notebooks = tiny
    clean = {name: _tests(grade_notebook(notebooks[name], assignment)) for name in ("wrong", "right")}
    monkeypatch.setenv(variable, value)
    shell = {name: _tests(grade_notebook(notebooks[name], assignment)) for name in ("wrong", "right")}
    assert shell == clean
    assert clean["wrong"]["test_value"][0] == 0 and len(clean["wrong"]) == 5
    assert os.environ[variable] == value


def test_an_installed_pytest_plugin_does_not_reach_the_hidden_suites(tiny, monkeypatch, tmp_path):
    """A pytest plugin installed beside the grader (found by its entry point, as pip installs one) is not
    loaded into the hidden suites: here one that would keep only the first hidden test."""
    assignment, notebooks = tiny
    clean = {name: _tests(grade_notebook(notebooks[name], assignment)) for name in ("wrong", "right")}
    site = tmp_path / "site"
    (site / "lenient_plugin-1.0.dist-info").mkdir(parents=True)
    (site / "lenient_plugin-1.0.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: lenient-plugin\n"
                                                                    "Version: 1.0\n", encoding="utf-8")
    (site / "lenient_plugin-1.0.dist-info" / "entry_points.txt").write_text("[pytest11]\nlenient = lenient_plugin\n",
                                                                            encoding="utf-8")
    (site / "lenient_plugin.py").write_text(
        "def pytest_collection_modifyitems(session, config, items):\n    del items[1:]\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(site))
    import importlib.metadata
    assert "lenient" in {e.name for e in importlib.metadata.entry_points(group="pytest11")}   # installed
    installed = {name: _tests(grade_notebook(notebooks[name], assignment)) for name in ("wrong", "right")}
    assert installed == clean and installed["wrong"]["test_value"][0] == 0
    assert "lenient_plugin" not in sys.modules
    assert "PYTEST_DISABLE_PLUGIN_AUTOLOAD" not in os.environ     # the TA's own pytest runs load it as before


def test_a_grading_process_starts_no_spare_sandbox_after_its_last_task(tiny, tmp_path, monkeypatch):
    """The pool marks the task after which none is left ("last"): its submission uses the spare started
    for it, and no new one is started that nothing would use (nor is that spare killed unused)."""
    from autograder.sandbox import session
    assignment, notebooks = tiny
    started = []
    real = session.WorkerProcess
    monkeypatch.setattr(session, "WorkerProcess", lambda *a, **k: started.append(1) or real(*a, **k))
    tasks = [{"id": f"s{i}", "notebook": str(notebooks["right"]), "assignment": "tiny", "lang": "en",
              "level": None, "notes": [], "config": str(assignment.course_root / "grading.yml"), "last": last}
             for i, last in enumerate([False, False, True])]
    session.keep_spare_worker(True)
    try:
        channel = io.StringIO()
        grading_pool._serve(channel, iter(json.dumps(t) + "\n" for t in tasks), GraderError)
        spare_left = session._spare
    finally:
        session.keep_spare_worker(False)
    results = [json.loads(line) for line in channel.getvalue().splitlines() if "result" in line]
    assert [r["result"]["score"] for r in results] == [20, 20, 20]
    assert len(started) == 3 and spare_left is None     # the first worker, then a spare for each next task


def test_the_pool_marks_only_the_task_handed_out_last(tiny, tmp_path, monkeypatch):
    assignment, notebooks = tiny
    sent = []

    class Recording(grading_pool._Worker):
        def send(self, task, last=False):
            sent.append((task["id"], last))
            super().send(task, last)
    monkeypatch.setattr(grading_pool, "_Worker", Recording)
    tasks = [{"id": f"s{i}", "notebook": str(notebooks["right"]), "assignment": "tiny", "lang": "en",
              "level": None, "notes": [], "config": str(assignment.course_root / "grading.yml")} for i in range(3)]
    done = {}
    grading_pool.grade_in_parallel(tasks, 1, 120, tmp_path / "batch.log",
                                   lambda task, reply, seconds: done.__setitem__(task["id"], reply), fork=False)
    assert sent == [("s0", False), ("s1", False), ("s2", True)]
    assert [done[t["id"]]["result"]["score"] for t in tasks] == [20, 20, 20]
    assert all("last" not in t for t in tasks)          # what the caller gave is left as it was
