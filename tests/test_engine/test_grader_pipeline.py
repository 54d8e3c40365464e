"""Pieces of the grading pipeline that need no worker."""
from __future__ import annotations

from types import SimpleNamespace

from autograder.engine.grader import is_visible_check, protect_instructor_files, without_top_level_calls
from autograder.engine.notebook import CodeCell


def test_top_level_calls_of_notebook_functions_are_dropped_defs_and_constants_kept():
    cells = ["import numpy as np\nKERNEL = np.ones((3, 3))",
             "def conv(x):\n    return x * KERNEL",
             "out = conv(np.zeros((3, 3)))\nprint(out.sum())\nLIMIT = 3",
             "check_conv(conv)",
             "while True:\n    conv(1)"]
    kept = without_top_level_calls(cells)
    namespace = {}
    for source in kept:
        exec(source, namespace)   # must not hang, must not fail
    assert "conv" in namespace and namespace["LIMIT"] == 3 and "out" not in namespace
    assert kept[3] == "" and kept[4] == ""


def test_syntax_errors_become_empty_cells():
    assert without_top_level_calls(["def broken(:"]) == [""]


def test_visible_check_cells_are_recognised_from_nbgrader_metadata():
    check = CodeCell(0, "check_zero_pad(zero_pad)", "test_zero_pad",
                     {"nbgrader": {"grade": True, "solution": False, "points": 5}})
    solution = CodeCell(1, "def zero_pad(X, pad): ...", "zero_pad", {"nbgrader": {"grade": False, "solution": True}})
    plain = CodeCell(2, "x = 1")
    assert is_visible_check(check) and not is_visible_check(solution) and not is_visible_check(plain)


def test_l1_hides_hidden_tests_and_solutions_from_other_users(tmp_path):
    source = tmp_path / "source" / "hw"
    solutions = tmp_path / "solutions" / "hw"
    source.mkdir(parents=True)
    solutions.mkdir(parents=True)
    protect_instructor_files(SimpleNamespace(name="hw", course_root=tmp_path, source_dir=source))
    assert source.stat().st_mode & 0o007 == 0 and solutions.stat().st_mode & 0o007 == 0
