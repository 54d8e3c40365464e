"""The release pipeline: source -> assignments/ and solutions/, kept in sync, validated by nbgrader."""
from __future__ import annotations

import json

import nbformat
import pytest

from conftest import ASSIGNMENT, RELEASE_DIR, ROOT, SOLUTION_DIR, SOURCE_NOTEBOOK, tool_env
from autograder.config import get_assignment

GRADED = [q.name for q in get_assignment(ASSIGNMENT, ROOT / "grading.yml").questions]


def _sources(path):
    nb = nbformat.read(path, as_version=4)
    return [(c.cell_type, c.source) for c in nb.cells]


def release_files(folder):
    """The files of a release or solution folder, relative to it (bytecode caches aside)."""
    return sorted(p.relative_to(folder) for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def release_copy(parent, assignment: str = ASSIGNMENT):
    """Run the real release step of ``assignment`` on a copy of the course in ``parent``; return its root."""
    import shutil
    dest = parent / "course"
    dest.mkdir()
    shutil.copytree(ROOT / "source", dest / "source", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("grading.yml", "nbgrader_config.py"):
        shutil.copy2(ROOT / name, dest / name)
    from warm_cli import autograder
    proc = autograder("release", assignment, "--config", str(dest / "grading.yml"), cwd=dest,
                      env=tool_env(dest / "home"), timeout=600)
    assert proc.returncode == 0, proc.stderr
    return dest


@pytest.fixture(scope="module")
def fresh_release(tmp_path_factory):
    """Run the real release step on a copy of the course and return its root."""
    return release_copy(tmp_path_factory.mktemp("release"))


def test_committed_release_is_in_sync_with_source(fresh_release):
    fresh = fresh_release / "assignments" / ASSIGNMENT
    committed, regenerated = release_files(RELEASE_DIR), release_files(fresh)
    assert committed == regenerated, "file list differs: run `make release` and commit assignments/"
    for rel in committed:
        assert (RELEASE_DIR / rel).read_bytes() == (fresh / rel).read_bytes(), (
            f"assignments/{ASSIGNMENT}/{rel} is stale: run `make release` and commit it")


def test_committed_solutions_match_source(fresh_release):
    fresh = fresh_release / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    committed = SOLUTION_DIR / f"{ASSIGNMENT}.ipynb"
    # Executed outputs carry timestamps, so compare what the TA reads: the cells' sources.
    assert _sources(committed) == _sources(fresh), "solutions/ is stale: run `make release` and commit it"


def test_release_hides_solutions_and_hidden_tests():
    released = nbformat.read(RELEASE_DIR / f"{ASSIGNMENT}.ipynb", as_version=4)
    text = json.dumps(released)
    assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text
    assert not (RELEASE_DIR / "hidden_tests").exists()
    reference_lines = [line.strip() for line in SOURCE_NOTEBOOK.read_text().splitlines()
                       if "np.pad(" in line or "+= W[:, :, :, c]" in line]
    assert reference_lines, "the source notebook should contain the reference code this test looks for"
    for line in reference_lines:
        assert line not in text


def test_every_graded_function_is_a_stub_with_signature_and_docstring():
    released = nbformat.read(RELEASE_DIR / f"{ASSIGNMENT}.ipynb", as_version=4)
    source_nb = nbformat.read(SOURCE_NOTEBOOK, as_version=4)
    stubs = {c.metadata["nbgrader"]["grade_id"]: c.source for c in released.cells
             if c.metadata.get("nbgrader", {}).get("solution")}
    originals = {c.metadata["nbgrader"]["grade_id"]: c.source for c in source_nb.cells
                 if c.metadata.get("nbgrader", {}).get("solution")}
    assert sorted(stubs) == sorted(GRADED)
    for name in GRADED:
        stub = stubs[name]
        signature = originals[name].split(":\n", 1)[0]
        assert stub.startswith(signature), f"{name}: signature changed in the release"
        assert '"""' in stub and "raise NotImplementedError()" in stub
        namespace = {}
        exec("import numpy as np\n" + stub, namespace)
        assert callable(namespace[name])


def test_check_cells_carry_the_points_of_grading_yml():
    assignment = get_assignment(ASSIGNMENT, ROOT / "grading.yml")
    nb = nbformat.read(SOURCE_NOTEBOOK, as_version=4)
    points = {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]["points"] for c in nb.cells
              if c.metadata.get("nbgrader", {}).get("grade")}
    assert points == {f"test_{q.name}": q.points for q in assignment.questions}


def test_check_settings_follow_grading_yml():
    assignment = get_assignment(ASSIGNMENT, ROOT / "grading.yml")
    for folder in (SOURCE_NOTEBOOK.parent, RELEASE_DIR):
        settings = json.loads((folder / "check_settings.json").read_text())
        assert settings == {"language": assignment.feedback_language}


def _validate(path, *extra):
    from warm_cli import module
    proc = module("autograder.course.nbgrader_cli", "validate", str(path), *extra, cwd=path.parent, env=tool_env(),
                  timeout=600)
    return proc.stdout + proc.stderr


def ran_without_an_error(notebook) -> None:
    """What `nbgrader validate` checks on a solution, read off the run generate_solution already made (it
    executes every cell and goes on past errors): every code cell ran and none ended in an error."""
    nb = nbformat.read(notebook, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]
    assert code and all(c.execution_count for c in code), "generate_solution did not run every cell"
    errors = [(c.metadata.get("nbgrader", {}).get("grade_id"), o.get("ename")) for c in code for o in c.outputs
              if o.output_type == "error"]
    assert not errors, f"the solution fails in these cells (grade id, error): {errors}"


def test_the_solution_passes_every_check(fresh_release):
    """`nbgrader validate` on the solution would run it a second time; the release's run answers it."""
    ran_without_an_error(fresh_release / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")


def test_nbgrader_validate_invert_on_released_stubs():
    stub = RELEASE_DIR / f"{ASSIGNMENT}.ipynb"
    inverted = _validate(stub, "--invert")
    # --invert complains about test cells that PASS; on the stubs every check fails, as it should (so a
    # plain `nbgrader validate` fails them too: the notebook has test cells, checked above).
    assert "Success!" in inverted, inverted[-2000:]
