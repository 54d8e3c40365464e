"""Submission repair: nbgrader metadata always comes from the release, the student's code stays.

Fast checks of autograder.course.repair on real tampered notebooks; the same notebooks go through
`autograder batch` and nbgrader in tests/test_security/test_pipeline_attacks.py.
"""
from __future__ import annotations

import nbformat
import pytest
from nbgrader.nbgraderformat import MetadataValidator

from conftest import ASSIGNMENT, RELEASE_DIR, SOLUTION_DIR
from hostile_notebooks import (checksums_and_flags_edited, duplicated_grade_ids, foreign_grade_cell,
                               schema_and_types_changed, write_variant)
from autograder.course import repair

NB = f"{ASSIGNMENT}.ipynb"
RELEASE = nbformat.read(RELEASE_DIR / NB, as_version=4)
RELEASED_META = {c.metadata["nbgrader"]["grade_id"]: c for c in RELEASE.cells if "nbgrader" in c.metadata}


def _code(nb) -> list[str]:
    return [c.source for c in nb.cells if c.cell_type == "code"]


@pytest.mark.parametrize("change, kinds", [
    (foreign_grade_cell, {"foreign_cells", "metadata_restored"}),
    (duplicated_grade_ids, {"duplicate_cells"}),
    (schema_and_types_changed, {"metadata_restored"}),
    (checksums_and_flags_edited, {"metadata_restored"}),
])
def test_tampered_metadata_is_restored_from_the_release(tmp_path, change, kinds):
    folder = tmp_path / "submitted" / "mallory" / ASSIGNMENT
    submitted = write_variant(SOLUTION_DIR / NB, change, folder / NB)
    before, as_sent = nbformat.read(submitted, as_version=4), submitted.read_bytes()
    repair.prepare_submission(folder, RELEASE_DIR, "en")
    assert set(repair.note_kinds(folder)) == kinds
    repaired = nbformat.read(folder / NB, as_version=4)
    MetadataValidator().validate_nb(repaired)                         # what nbgrader's CheckCellMetadata runs
    seen = {}
    for cell in repaired.cells:
        meta = cell.metadata.get("nbgrader")
        if meta is None:
            continue
        grade_id = meta["grade_id"]
        assert grade_id not in seen, f"{grade_id} twice"
        seen[grade_id] = cell
        assert meta == RELEASED_META[grade_id].metadata["nbgrader"], grade_id
        assert cell.cell_type == RELEASED_META[grade_id].cell_type, grade_id
    assert set(seen) <= set(RELEASED_META)
    points = sum(c.metadata["nbgrader"].get("points", 0) for c in seen.values())
    assert points == sum(c.metadata["nbgrader"].get("points", 0) for c in RELEASED_META.values())
    # Every line of code the student wrote is still in the notebook (as code, or in a restored code cell).
    code_after = "\n".join(_code(repaired))
    for source in [c.source for c in before.cells if c.cell_type == "code" or c.metadata.get("nbgrader", {})
                   .get("grade_id") == "conv_single_step"]:
        assert source in code_after or source.strip() == "pass" or source == RELEASED_META["intro"].source
    assert (folder / repair.SIDECAR / "original" / NB).read_bytes() == as_sent     # what the student sent is kept


def test_repair_is_idempotent_and_an_untouched_release_needs_none(tmp_path):
    folder = tmp_path / "submitted" / "alice" / ASSIGNMENT
    write_variant(RELEASE_DIR / NB, lambda nb: None, folder / NB)
    assert repair.prepare_submission(folder, RELEASE_DIR, "en") == []
    assert not (folder / repair.SIDECAR / "original").exists()
    folder = tmp_path / "submitted" / "bob" / ASSIGNMENT
    write_variant(SOLUTION_DIR / NB, foreign_grade_cell, folder / NB)
    notes = repair.prepare_submission(folder, RELEASE_DIR, "ko")
    repaired = (folder / NB).read_bytes()
    assert repair.prepare_submission(folder, RELEASE_DIR, "ko") == notes and (folder / NB).read_bytes() == repaired
    assert any("test_bonus" in n for n in notes)


def test_cells_that_break_the_notebook_format_are_repaired_without_losing_code(tmp_path):
    def broken(nb):
        cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "zero_pad")
        cell.metadata["tags"] = ["a,b"]          # nbformat's schema forbids commas in tags
        cell.metadata["collapsed"] = "very"
    folder = tmp_path / "submitted" / "carol" / ASSIGNMENT
    submitted = write_variant(SOLUTION_DIR / NB, broken, folder / NB)
    repair.prepare_submission(folder, RELEASE_DIR, "en")
    repaired = nbformat.read(folder / NB, as_version=4)
    nbformat.validate(repaired)
    assert repair.note_kinds(folder) == ["format_repaired"]
    assert _code(repaired) == _code(nbformat.read(submitted, as_version=4))
