"""The nbgrader bridge's pieces, without running nbgrader: fast checks of the rules the
end-to-end tests (test_nbgrader_cycle.py, test_batch.py) rely on."""
from __future__ import annotations

import json
import shutil

import nbformat
import pytest
from nbgrader.utils import determine_grade

from conftest import ASSIGNMENT, RELEASE_DIR, ROOT, SOLUTION_DIR
from autograder.course import nbgrader_bridge as bridge
from autograder.config import get_assignment

NB = f"{ASSIGNMENT}.ipynb"
POLICY = get_assignment(ASSIGNMENT, ROOT / "grading.yml")


def _result(scores: dict[str, float], notes=()) -> dict:
    return {"score": sum(scores.values()), "max_score": POLICY.max_score, "sandbox": "L0", "notes": list(notes),
            "questions": [{"name": q.name, "score": scores.get(q.name, 0.0), "max_score": q.points,
                           "summary": f"summary of {q.name}",
                           "tests": [{"name": f"{q.name}: a test", "score": 0.0, "max_score": q.points,
                                      "status": "failed", "output": f"why {q.name} failed <b>"}]}
                          for q in POLICY.questions]}


def _grades(nb) -> dict[str, float]:
    return {c.metadata["nbgrader"]["grade_id"]: determine_grade(c)[0] for c in nb.cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")
            and not c.metadata["nbgrader"].get("solution")}


def test_engine_scores_become_nbgrader_grades_with_partial_credit():
    nb = nbformat.read(SOLUTION_DIR / NB, as_version=4)
    scores = {q.name: q.points * 0.37 for q in POLICY.questions}
    bridge.apply_result(nb, _result(scores), POLICY, "en")
    grades = _grades(nb)
    assert grades == pytest.approx({f"test_{name}": score for name, score in scores.items()})
    for cell in nb.cells:   # nbgrader scores any error or stderr output as zero: there must be none
        if cell.metadata.get("nbgrader", {}).get("grade"):
            for output in cell.get("outputs", []):
                assert output.output_type in ("display_data", "execute_result")


def test_deleted_or_unmarked_grade_cells_still_carry_their_score():
    nb = nbformat.read(SOLUTION_DIR / NB, as_version=4)
    by_id = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nb.cells}
    nb.cells.remove(by_id["test_pool_backward"])
    by_id["test_zero_pad"].metadata["nbgrader"]["grade"] = False          # "unmarked" by the student
    bridge.apply_result(nb, _result({"pool_backward": 4.0, "zero_pad": 2.5}), POLICY, "en")
    grades = _grades(nb)
    assert grades["test_pool_backward"] == 4.0 and grades["test_zero_pad"] == 2.5
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    assert ids.index("test_pool_backward") == ids.index("pool_backward") + 1    # right after its solution
    assert len([i for i in ids if i and i.startswith("test_")]) == len(POLICY.questions)
    from nbgrader.nbgraderformat import MetadataValidator
    MetadataValidator().validate_nb(nb)                                    # nbgrader's CheckCellMetadata


def test_grade_cells_outside_grading_yml_score_zero():
    nb = nbformat.read(SOLUTION_DIR / NB, as_version=4)
    extra = nbformat.v4.new_code_cell("assert True")
    extra.metadata["nbgrader"] = {"grade": True, "grade_id": "bonus", "locked": True, "points": 3,
                                  "schema_version": 3, "solution": False, "task": False}
    nb.cells.append(extra)
    bridge.apply_result(nb, _result({}), POLICY, "en")
    assert _grades(nb)["bonus"] == 0      # nbgrader would give full marks to a grade cell without output


def test_feedback_text_is_escaped_and_notes_are_shown():
    nb = nbformat.read(SOLUTION_DIR / NB, as_version=4)
    bridge.apply_result(nb, _result({}, notes=["submitted as '<script>x</script>.ipynb'"]), POLICY, "en")
    header = nb.cells[0]
    assert header.cell_type == "markdown" and "<script>" not in header.source and "script" in header.source
    pages = [o.data["text/html"] for c in nb.cells for o in c.get("outputs", []) if "text/html" in o.get("data", {})]
    assert pages and all("<b>\"" not in p and "&lt;b&gt;" in p for p in pages)


def test_digest_follows_the_graded_code_only():
    nb = nbformat.read(SOLUTION_DIR / NB, as_version=4)
    digest = bridge.engine_digest(nb, POLICY, "en")
    checks = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    checks[0].source = "pass  # visible checks are not run when grading"
    nb.cells[0].source += "\nmore markdown"
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    assert bridge.engine_digest(nb, POLICY, "en") == digest
    assert bridge.engine_digest(nb, POLICY, "ko") != digest
    solution = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "zero_pad")
    solution.source += "\n# a comment is code too"
    assert bridge.engine_digest(nb, POLICY, "en") != digest


@pytest.fixture
def folder(tmp_path):
    folder = tmp_path / "submitted" / "alice" / ASSIGNMENT
    folder.mkdir(parents=True)
    return folder


def test_renamed_notebook_is_graded_under_the_released_name(folder):
    shutil.copy2(SOLUTION_DIR / NB, folder / "Untitled1.ipynb")
    (folder / "notes.ipynb").write_text(json.dumps(nbformat.v4.new_notebook()))   # an unrelated notebook
    notes = bridge.prepare_submission(folder, RELEASE_DIR, "en")
    assert (folder / NB).read_bytes() == (SOLUTION_DIR / NB).read_bytes()
    assert (folder / bridge.SIDECAR / "original" / "Untitled1.ipynb").is_file()
    assert any("Untitled1.ipynb" in n for n in notes)
    assert bridge.read_renames(folder) == {NB: "Untitled1.ipynb"}
    assert bridge.prepare_submission(folder, RELEASE_DIR, "en") == notes          # idempotent
    assert bridge.note_kinds(folder) == ["renamed"]


@pytest.mark.parametrize("content, kind", [
    (b"", "unreadable"),
    (b'{"cells": [', "unreadable"),
    (b'{"hello": 1}', "unreadable"),
])
def test_unusable_notebook_is_graded_as_the_empty_release(folder, content, kind):
    (folder / NB).write_bytes(content)
    notes = bridge.prepare_submission(folder, RELEASE_DIR, "ko")
    assert (folder / NB).read_bytes() == (RELEASE_DIR / NB).read_bytes()
    assert (folder / bridge.SIDECAR / "original" / NB).read_bytes() == content
    assert bridge.note_kinds(folder) == [kind] and len(notes) == 1
    assert "읽을 수 없어" in notes[0]


def test_damaged_metadata_locked_edits_and_deleted_cells_are_noted(folder):
    nb = nbformat.read(SOLUTION_DIR / NB, as_version=4)
    by_id = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nb.cells}
    by_id["imports"].source = "import numpy as np\nimport os"
    by_id["zero_pad"].metadata["nbgrader"]["points"] = "many"     # not valid nbgrader metadata
    by_id["zero_pad"].metadata["nbgrader"]["grade"] = True
    nb.cells.remove(by_id["done"])
    nbformat.write(nb, folder / NB)
    bridge.prepare_submission(folder, RELEASE_DIR, "en")
    assert bridge.note_kinds(folder) == ["metadata_restored", "locked_edited", "cells_deleted"]
    repaired = nbformat.read(folder / NB, as_version=4)
    from nbgrader.nbgraderformat import MetadataValidator
    MetadataValidator().validate_nb(repaired)
    notes = " ".join(bridge.read_notes(folder))
    assert "imports" in notes and "done" in notes and "zero_pad" in notes


def test_a_folder_without_any_notebook_gets_the_release(folder):
    (folder / "answers.txt").write_text("I did it on paper")
    bridge.prepare_submission(folder, RELEASE_DIR, "en")
    assert (folder / NB).is_file() and bridge.note_kinds(folder) == ["missing_notebook"]
