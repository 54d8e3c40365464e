"""cnn_inside release: source -> assignments/ and solutions/, in sync, complete, leak-free.

The same checks as tests/test_course/test_release.py and tests/test_assignments/test_transfer_release.py
(whose helpers are reused) for the third assignment, plus what is particular
to it: the network and data modules are the transfer_learning ones (links in
source/, real copies in the release, byte for byte the same files), and no
shipped module holds reference code (the visible checks compare with stored
values, the harness only calls the student's functions).
"""
from __future__ import annotations

import ast
import json
import re

import nbformat
import pytest

from conftest import ROOT
from test_course.test_release import _sources, ran_without_an_error, release_copy, release_files
from autograder.config import get_assignment

NAME = "cnn_inside"
SOURCE_DIR, RELEASE_DIR, SOLUTION_DIR = (ROOT / d / NAME for d in ("source", "assignments", "solutions"))
SOURCE_NOTEBOOK = SOURCE_DIR / f"{NAME}.ipynb"
POLICY = get_assignment(NAME, ROOT / "grading.yml")
GRADED = [q.name for q in POLICY.questions]
SHARED = ["tl_model.py", "tl_data.py", "digits_cnn_pretrained.pt", "digits_cnn_pretrained.json"]
SHIPPED_MODULES = ["inside_checks.py", "_inside_check_run.py", "_inside_check_messages.py", "_inside_expected.py",
                   "inside_harness.py"]


@pytest.fixture(scope="module")
def fresh_release(tmp_path_factory):
    return release_copy(tmp_path_factory.mktemp("inside_release"), NAME)


def test_committed_release_is_in_sync_with_source(fresh_release):
    fresh = fresh_release / "assignments" / NAME
    assert release_files(RELEASE_DIR) == release_files(fresh), f"file list differs: run `autograder release {NAME}`"
    for rel in release_files(RELEASE_DIR):
        assert (RELEASE_DIR / rel).read_bytes() == (fresh / rel).read_bytes(), (
            f"assignments/{NAME}/{rel} is stale: run `autograder release {NAME}` and commit it")
    assert _sources(SOLUTION_DIR / f"{NAME}.ipynb") == _sources(fresh_release / "solutions" / NAME / f"{NAME}.ipynb")


def test_the_network_is_shared_with_transfer_learning_not_duplicated_in_source():
    for name in SHARED:
        link = SOURCE_DIR / name
        assert link.is_symlink() and link.resolve() == (ROOT / "source" / "transfer_learning" / name).resolve(), name
        assert (RELEASE_DIR / name).read_bytes() == (ROOT / "assignments" / "transfer_learning" / name).read_bytes()
        assert not (RELEASE_DIR / name).is_symlink()


def test_release_ships_the_scaffolding_but_nothing_hidden():
    names = {p.name for p in RELEASE_DIR.iterdir()}
    assert {*SHARED, *SHIPPED_MODULES, "check_settings.json", f"{NAME}.ipynb"} <= names
    assert not (RELEASE_DIR / "hidden_tests").exists()
    assert not list(RELEASE_DIR.rglob("make_check_expected.py"))
    assert json.loads((RELEASE_DIR / "check_settings.json").read_text()) == {"language": POLICY.feedback_language}


#: Lines the notebook's explanations and docstrings give on purpose (the dropout mask and formula, how to copy
#: x, the cache and the tile position that the docstrings specify, no_grad).
TAUGHT = {"rng = np.random.default_rng(seed)", "mask = rng.random(A.shape) < keep_prob", "out = A * mask / keep_prob",
          "x = x.detach().clone().requires_grad_(True)", "r, c = divmod(i, ncols)",
          "cache = (A_prev, W, b, hparameters)", "with torch.no_grad():"}


def _solution_lines() -> set[str]:
    lines = set()
    for cell in nbformat.read(SOURCE_NOTEBOOK, as_version=4).cells:
        body = re.search(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", cell.source, re.S)
        for line in (body.group(1) if body else "").splitlines():
            line = line.strip()
            if len(line) >= 20 and not line.startswith(("#", "return")) and line not in TAUGHT:
                lines.add(line)
    return lines


def test_no_shipped_file_contains_reference_code():
    lines = _solution_lines()
    assert len(lines) >= 30
    released = json.dumps(nbformat.read(RELEASE_DIR / f"{NAME}.ipynb", as_version=4))
    assert "BEGIN SOLUTION" not in released
    for module in SHIPPED_MODULES:
        tree = ast.parse((RELEASE_DIR / module).read_text(encoding="utf-8"))
        code = ast.unparse(tree)
        for line in lines:
            try:
                probe = ast.unparse(ast.parse(line))
            except SyntaxError:
                probe = line
            assert probe not in code, f"{module} contains reference code: {line!r}"
            assert line not in released, f"the released notebook contains reference code: {line!r}"


def test_every_graded_cell_is_a_stub_and_carries_its_points():
    released = nbformat.read(RELEASE_DIR / f"{NAME}.ipynb", as_version=4)
    stubs = {c.metadata["nbgrader"]["grade_id"]: c.source for c in released.cells
             if c.metadata.get("nbgrader", {}).get("solution")}
    assert sorted(stubs) == sorted(GRADED)
    for name, stub in stubs.items():
        assert stub.startswith(f"def {name}(") and '"""' in stub and "raise NotImplementedError()" in stub
    points = {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]["points"] for c in released.cells
              if c.metadata.get("nbgrader", {}).get("grade")}
    assert points == {f"test_{q.name}": q.points for q in POLICY.questions}
    assert sum(points.values()) == 100


def test_the_solution_passes_every_check(fresh_release):
    """What `nbgrader validate` checks, on the run the release made (see tests/test_course/test_release.py)."""
    ran_without_an_error(fresh_release / "solutions" / NAME / f"{NAME}.ipynb")
