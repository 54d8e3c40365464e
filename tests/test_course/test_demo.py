"""`autograder demo` (`make demo`): the whole course cycle on the demo class, as the README promises.

Run as a user would (`python -m autograder demo`, started from the suite's warm process, tests/warm_cli.py,
which answers as a cold start does), with a private HOME and TMPDIR so we can check that nothing is left
outside the folder the demo was told to keep.
"""
from __future__ import annotations

import csv
import json
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

import warm_cli

from conftest import ASSIGNMENT, ROOT, run_cli, tool_env
from autograder.config import get_assignment

NB = f"{ASSIGNMENT}.ipynb"
POLICY = get_assignment(ASSIGNMENT, ROOT / "grading.yml")
TRANSFER = "transfer_learning"
INSIDE = "cnn_inside"
#: assignment -> its students in demo/class.yml
CLASS = {entry["assignment"]: entry["students"]
         for entry in yaml.safe_load((ROOT / "demo" / "class.yml").read_text())["assignments"]}


def _table(keep: Path, assignment: str) -> dict:
    with open(keep / "course" / "results" / assignment / "grades.csv", newline="") as handle:
        return {r["student_id"]: r for r in csv.DictReader(handle)}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("demo")
    home, tmpdir, keep = tmp / "home", tmp / "tmpdir", tmp / "kept"
    home.mkdir()
    tmpdir.mkdir()
    env = tool_env(home)
    env["TMPDIR"] = str(tmpdir)
    proc = warm_cli.autograder("demo", "--keep", str(keep), "--lang", "en", cwd=ROOT, env=env, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    tables = {name: _table(keep, name) for name in CLASS}
    return {"proc": proc, "home": home, "tmpdir": tmpdir, "keep": keep, "table": tables[ASSIGNMENT],
            "tables": tables}


def test_demo_grades_the_whole_class_and_nbgrader_agrees(demo):
    out = demo["proc"].stdout
    assert list(CLASS) == [ASSIGNMENT, TRANSFER, INSIDE]
    for step in ("release_assignment", "fetch_assignment", "submit", "collect", "autograde",
                 "generate_feedback", "release_feedback", "export"):
        assert step in out, step
    assert out.count("same totals as the engine for every student") == len(CLASS)
    received = re.findall(r"(\d+) of (\d+) students received their feedback page", out)
    assert received == [(str(len(s)), str(len(s))) for s in CLASS.values()]
    for name, students in CLASS.items():
        ids = [s["id"] for s in students]
        assert sorted(demo["tables"][name]) == sorted(ids)
        for student in ids:                               # the grade tables list every student
            assert re.search(rf"^{student}\s", out, re.M), student


def test_demo_class_gets_the_expected_grades(demo):
    table = demo["table"]
    total = {sid: float(row["total"]) for sid, row in table.items()}
    assert total["s01_reference"] == POLICY.max_score
    assert total["s02_untouched"] == 0
    assert total["s07_empty"] == 0 and "unreadable" in table["s07_empty"]["notes"]
    assert total["s05_vectorised"] == POLICY.max_score and "renamed" in table["s05_vectorised"]["notes"]
    assert "locked_edited" in table["s04_bias_inside"]["notes"] and "cells_deleted" in table["s04_bias_inside"]["notes"]
    attacker = table["s06_attacker"]
    assert float(attacker["zero_pad"]) == 0 and float(attacker["pool_forward"]) == 0
    assert total["s06_attacker"] == POLICY.max_score - 5 - 15   # the attack costs only the attacked questions
    assert all(row["status"] == "graded" for row in table.values())


def _each_mistake_costs_only_its_questions(demo, assignment: str, mistakes: dict[str, set[str]]) -> None:
    """The reference gets full marks, the untouched release 0, and each student in ``mistakes`` loses points
    exactly on the questions named for them."""
    policy = get_assignment(assignment, ROOT / "grading.yml")
    table = demo["tables"][assignment]
    reference, untouched = (next(s for s in table if s.endswith(suffix)) for suffix in ("_reference", "_untouched"))
    assert float(table[reference]["total"]) == policy.max_score
    assert float(table[untouched]["total"]) == 0
    for student, wrong in mistakes.items():
        row = table[student]
        for question in policy.questions:
            score = float(row[question.name])
            assert (score < question.points) if question.name in wrong else (score == question.points), \
                (student, question.name, score)
    assert all(row["status"] == "graded" for row in table.values())


def test_demo_transfer_learning_grades(demo):
    """Trained end to end in the sandbox; each mistake costs only its own questions."""
    _each_mistake_costs_only_its_questions(demo, TRANSFER, {
        "t03_no_zero_grad_no_eval": {"train_one_epoch", "evaluate"},
        "t04_unfreeze_all_big_lr": {"unfreeze_last_block", "fine_tune_config"}})


def test_demo_cnn_inside_grades(demo):
    """The third assignment: each typical mistake costs only its own questions."""
    _each_mistake_costs_only_its_questions(demo, INSIDE, {
        "i03_unstable_softmax_hooks_left": {"softmax", "softmax_cross_entropy", "collect_activations"},
        "i04_no_dropout_scale_pca_sign": {"dropout_forward", "pca_2d"}})


def test_demo_grades_equal_grading_each_submission_alone(demo):
    """What each student submitted last, graded by `autograder grade` on its own."""
    picks = {"s03_no_stride": NB, "s08_twice": NB, "s05_vectorised": "my_cnn_final.ipynb"}

    def alone(item):
        student, name = item
        notebook = demo["keep"] / "home" / student / ASSIGNMENT / name
        out = demo["keep"].parent / f"{student}.alone.json"
        proc = run_cli("grade", str(notebook), "--assignment", ASSIGNMENT, "--format", "json", "--out", str(out),
                       "--lang", "en")
        assert proc.returncode == 0, proc.stderr
        return student, json.loads(out.read_text())
    with ThreadPoolExecutor(2) as pool:
        for student, result in pool.map(alone, picks.items()):
            row = demo["table"][student]
            assert float(row["total"]) == pytest.approx(result["score"], abs=1e-3), student
            for question in result["questions"]:
                assert float(row[question["name"]]) == pytest.approx(question["score"], abs=1e-3)


def test_demo_prints_feedback_pages_that_exist(demo):
    pages = re.findall(r"^\s+(/\S+\.html)$", demo["proc"].stdout, re.M)
    assert pages and all(Path(p).is_file() for p in pages)
    for name, table in demo["tables"].items():
        for student in table:
            assert (demo["keep"] / "course" / "feedback" / student / name / f"{name}.html").is_file()


def test_demo_leaves_nothing_outside_its_folder(demo):
    assert list(demo["home"].iterdir()) == []
    assert list(demo["tmpdir"].iterdir()) == []
