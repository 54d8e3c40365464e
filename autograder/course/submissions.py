"""Build submission notebooks from a base notebook (used by the demo and the tests).

A synthetic submission is the released stub or the solution notebook with some
graded cells (found by their nbgrader ``grade_id``) replaced by other code, the
way a student edits exactly those cells.
"""
from __future__ import annotations

import re
from pathlib import Path

import nbformat

_HEADER = re.compile(r"^#\s*(\w+)\s*:\s*(.*)$")


def read_variant(path: str | Path) -> tuple[dict[str, str], str]:
    """Split a corpus/demo variant file into its ``# key: value`` header and its code."""
    header, body = {}, []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        match = _HEADER.match(line)
        if match and not body:
            header[match.group(1)] = match.group(2).strip()
        else:
            body.append(line)
    return header, "\n".join(body).strip() + "\n"


def replace_cells(base: str | Path, replacements: dict[str, str]) -> nbformat.NotebookNode:
    """Copy of ``base`` with the code of the cells named in ``replacements`` swapped."""
    nb = nbformat.read(base, as_version=4)
    pending = dict(replacements)
    for cell in nb.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if cell.cell_type == "code" and grade_id in pending:
            cell.source = pending.pop(grade_id)
            cell.outputs, cell.execution_count = [], None
    if pending:
        raise KeyError(f"{base}: no cell with grade_id {sorted(pending)}")
    return nb


def build_submission(base: str | Path, variant_files: list[str | Path], dest: str | Path) -> Path:
    """Write ``base`` with each variant file's code in the cell of its ``question``."""
    replacements = {}
    for path in variant_files:
        header, code = read_variant(path)
        question = header.get("question")
        if not question:
            raise ValueError(f"{path}: missing '# question: <grade_id>' header")
        replacements[question] = code
    nb = replace_cells(base, replacements)
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, dest)
    return dest
