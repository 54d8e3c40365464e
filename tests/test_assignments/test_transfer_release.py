"""transfer_learning release: source -> assignments/ and solutions/, in sync, validated, leak-free.

The same checks as tests/test_course/test_release.py (whose helpers are reused) for the
second assignment, plus what is particular to it: the pretrained weights and
the scaffolding modules ship with the release, the instructor's pretraining
script and the hidden suites do not, and no shipped file contains the
reference code of a graded function.
"""
from __future__ import annotations

import ast
import json
import re

import nbformat
import pytest
import torch

from test_course.test_release import _sources, _validate, ran_without_an_error, release_copy, release_files
from test_assignments.test_transfer_support import (CONFIG_QUESTIONS, GRADED, NAME, RELEASE_DIR, ROOT, SOLUTION_DIR, SOURCE_DIR,
                              SOURCE_NOTEBOOK, load_shipped)
from autograder.config import get_assignment

SHIPPED_MODULES = ["tl_data.py", "tl_model.py", "tl_harness.py", "tl_checks.py", "_tl_check_messages.py"]


@pytest.fixture(scope="module")
def fresh_release(tmp_path_factory):
    return release_copy(tmp_path_factory.mktemp("transfer_release"), NAME)


def test_committed_release_is_in_sync_with_source(fresh_release):
    fresh = fresh_release / "assignments" / NAME
    assert release_files(RELEASE_DIR) == release_files(fresh), "file list differs: run `autograder release transfer_learning`"
    for rel in release_files(RELEASE_DIR):
        assert (RELEASE_DIR / rel).read_bytes() == (fresh / rel).read_bytes(), (
            f"assignments/{NAME}/{rel} is stale: run `autograder release transfer_learning` and commit it")


def test_committed_solutions_match_source(fresh_release):
    fresh = fresh_release / "solutions" / NAME
    assert release_files(SOLUTION_DIR) == release_files(fresh)
    assert _sources(SOLUTION_DIR / f"{NAME}.ipynb") == _sources(fresh / f"{NAME}.ipynb"), (
        "solutions/ is stale: run `autograder release transfer_learning` and commit it")


def test_release_ships_the_model_and_scaffolding_but_nothing_hidden():
    names = {p.name for p in RELEASE_DIR.iterdir()}
    assert {*SHIPPED_MODULES, "digits_cnn_pretrained.pt", "digits_cnn_pretrained.json", "check_settings.json",
            f"{NAME}.ipynb"} <= names
    assert not (RELEASE_DIR / "hidden_tests").exists()
    assert not list(RELEASE_DIR.rglob("pretrain_backbone.py")), "the pretraining script holds a full training loop"
    weights = RELEASE_DIR / "digits_cnn_pretrained.pt"
    assert weights.stat().st_size < 1 << 20
    state = torch.load(weights, weights_only=True)
    assert set(state) == {n for n, _ in load_shipped("tl_model").DigitCNN().named_parameters()}


#: Lines the notebook's explanations show on purpose (the five steps of a training loop, no_grad).
TAUGHT = {"outputs = model(images)", "loss = loss_fn(outputs, labels)", "optimizer.zero_grad()", "optimizer.step()",
          "with torch.no_grad():"}


def _solution_lines() -> set[str]:
    """Distinctive code lines of the reference solutions (between the solution markers)."""
    nb = nbformat.read(SOURCE_NOTEBOOK, as_version=4)
    lines = set()
    for cell in nb.cells:
        if not cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
            continue
        body = re.search(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", cell.source, re.S)
        for line in (body.group(1) if body else "").splitlines():
            line = line.strip()
            if len(line) >= 16 and not line.startswith("#") and line not in TAUGHT:
                lines.add(line)
    return lines


def _code_only(path) -> str:
    """A module's code without docstrings and comments (messages may name the tools, not the code)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and isinstance(getattr(body[0], "value", None), ast.Constant) and isinstance(body[0].value.value, str):
            body[0] = ast.Pass()
    return ast.unparse(tree)


def test_no_shipped_file_contains_reference_code():
    lines = _solution_lines()
    assert len(lines) >= 15, "the source notebook should contain the reference code this test looks for"
    released = json.dumps(nbformat.read(RELEASE_DIR / f"{NAME}.ipynb", as_version=4))
    assert "BEGIN SOLUTION" not in released and "END SOLUTION" not in released
    for line in lines:
        assert line not in released, f"the released notebook contains reference code: {line!r}"
    for module in ("tl_data.py", "tl_model.py", "tl_harness.py"):
        code = _code_only(RELEASE_DIR / module)
        normalised = ast.unparse(ast.parse(code))
        for line in lines:
            try:
                probe = ast.unparse(ast.parse(line))
            except SyntaxError:
                probe = line
            assert probe not in normalised, f"{module} contains reference code: {line!r}"


def test_every_graded_cell_is_a_stub():
    released = nbformat.read(RELEASE_DIR / f"{NAME}.ipynb", as_version=4)
    stubs = {c.metadata["nbgrader"]["grade_id"]: c.source for c in released.cells
             if c.metadata.get("nbgrader", {}).get("solution")}
    originals = {c.metadata["nbgrader"]["grade_id"]: c.source for c in nbformat.read(SOURCE_NOTEBOOK, 4).cells
                 if c.metadata.get("nbgrader", {}).get("solution")}
    assert sorted(stubs) == sorted(GRADED)
    for name in GRADED:
        assert "raise NotImplementedError()" in stubs[name]
        if name in CONFIG_QUESTIONS:
            # a comment shows the expected shape of the dictionary
            assert f'# {CONFIG_QUESTIONS[name]} = {{"lr": ..., "epochs": ..., "batch_size": ...}}' in stubs[name]
            continue
        signature = originals[name].split(":\n", 1)[0]
        assert stubs[name].startswith(signature), f"{name}: signature changed in the release"
        namespace = {}
        exec("import torch\nfrom torch import nn\n" + stubs[name], namespace)  # noqa: S102 - our stub
        assert callable(namespace[name]) and namespace[name].__doc__


def test_check_cells_carry_the_points_and_settings_of_grading_yml():
    assignment = get_assignment(NAME, ROOT / "grading.yml")
    nb = nbformat.read(SOURCE_NOTEBOOK, as_version=4)
    points = {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]["points"] for c in nb.cells
              if c.metadata.get("nbgrader", {}).get("grade")}
    assert points == {f"test_{q.name}": q.points for q in assignment.questions}
    assert assignment.max_score == 100
    for folder in (SOURCE_DIR, RELEASE_DIR):
        assert json.loads((folder / "check_settings.json").read_text()) == {"language": assignment.feedback_language}
    # the check cells ask for the accuracy the grader asks for
    checks = load_shipped("tl_checks")
    assert checks.MIN_ACCURACY == {
        "feature_extractor": assignment.question("feature_extractor_config").settings["min_test_accuracy"],
        "fine_tune": assignment.question("fine_tune_config").settings["min_test_accuracy"]}


def test_the_solution_passes_every_check(fresh_release):
    """What `nbgrader validate` checks, on the run the release made (see tests/test_course/test_release.py)."""
    ran_without_an_error(fresh_release / "solutions" / NAME / f"{NAME}.ipynb")


def test_nbgrader_validate_invert_on_released_stubs():
    """Every check fails on the stubs (so a plain `nbgrader validate` fails them too)."""
    inverted = _validate(RELEASE_DIR / f"{NAME}.ipynb", "--invert")
    assert "Success!" in inverted, inverted[-2000:]
