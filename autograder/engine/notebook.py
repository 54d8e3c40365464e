"""Read notebooks the way students actually produce them.

Submissions arrive in every shape a student's tools can write: nbformat v3 or
any v4 minor version, ``source`` as a string or a list, missing or duplicated
cell ids, megabytes of outputs, IPython magics and shell escapes.  This module
turns any of them into an ordered list of plain Python cell sources, or raises
:class:`NotebookError` with one line saying what is wrong.
"""
from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import nbformat


class NotebookError(Exception):
    """The file cannot be read as a notebook; ``str()`` is one user-facing line."""


@dataclass
class CodeCell:
    index: int                 # position among the notebook's code cells
    source: str                # cleaned source, safe to exec as plain Python
    grade_id: str | None = None
    metadata: dict = field(default_factory=dict)


# `%magic`, `%%cellmagic`, `!shell`, and `x = !cmd` / `x = %magic` assignments.
_LINE_MAGIC = re.compile(r"^(\s*)(%{1,2}|!)")
_ASSIGNED_MAGIC = re.compile(r"^(\s*[\w.,\s]+=\s*)(%|!)")
_HELP_SUFFIX = re.compile(r"^\s*[\w.]+\?{1,2}\s*$")


def clean_source(source: str) -> str:
    """Replace IPython-only syntax by ``pass`` so the cell parses as Python.

    Line numbers are kept (each stripped line becomes ``pass`` at the same
    indentation) so that tracebacks still point at the student's line.  A cell
    magic (``%%time``, ``%%capture``...) turns the whole cell into comments:
    its body is not Python in general (``%%bash``) and we cannot tell.
    """
    lines = source.splitlines()
    if lines and lines[0].lstrip().startswith("%%"):
        return "\n".join("# " + line for line in lines)
    cleaned = []
    for line in lines:
        if _LINE_MAGIC.match(line) or _HELP_SUFFIX.match(line):
            indent = line[: len(line) - len(line.lstrip())]
            cleaned.append(f"{indent}pass  # IPython-only line removed by the grader")
        elif _ASSIGNED_MAGIC.match(line):
            target = _ASSIGNED_MAGIC.match(line).group(1)
            cleaned.append(f"{target}None  # IPython-only expression removed by the grader")
        else:
            cleaned.append(line)
    return "\n".join(cleaned)


def read_notebook(path: str | Path) -> nbformat.NotebookNode:
    """Read ``path`` as an nbformat v4 notebook (v3 is upgraded), leniently."""
    path = Path(path)
    if not path.exists():
        raise NotebookError(f"{path}: no such file; check the path of the submission")
    if path.is_dir():
        raise NotebookError(f"{path}: is a directory, expected a .ipynb file")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise NotebookError(f"{path}: cannot be read ({exc.strerror}); check its permissions") from None
    if not raw.strip():
        raise NotebookError(f"{path}: the file is empty; ask the student to save and resubmit the notebook")
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise NotebookError(f"{path}: not a notebook (invalid JSON: {exc}); "
                            "was it saved from Jupyter as .ipynb?") from None
    if not isinstance(data, dict) or "nbformat" not in data:
        raise NotebookError(f"{path}: JSON without an 'nbformat' field, not a Jupyter notebook")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # nbformat.reads without its schema check, whose verdict (one log line) we would ignore anyway:
            # the first check in a process builds the validator, ~45 ms of every grading command.
            nb = nbformat.convert(nbformat.reader.reads(json.dumps(data)), 4)
    except Exception as exc:  # nbformat raises many types for odd input
        raise NotebookError(f"{path}: unreadable notebook structure ({type(exc).__name__}: {exc})") from None
    if not isinstance(nb.get("cells"), list):
        raise NotebookError(f"{path}: notebook has no list of cells")
    return nb


def _source_text(cell) -> str:
    source = cell.get("source", "")
    if isinstance(source, list):
        source = "".join(str(part) for part in source)
    return str(source)


def code_cells(nb: nbformat.NotebookNode) -> list[CodeCell]:
    """The notebook's code cells in order, cleaned, outputs dropped."""
    cells = []
    for cell in nb.cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        meta = cell.get("metadata") or {}
        grade_id = (meta.get("nbgrader") or {}).get("grade_id") if isinstance(meta, dict) else None
        cells.append(CodeCell(index=len(cells), source=clean_source(_source_text(cell)),
                              grade_id=grade_id, metadata=dict(meta) if isinstance(meta, dict) else {}))
    return cells


def load_submission(path: str | Path) -> list[CodeCell]:
    """Read a submitted notebook and return its cleaned code cells."""
    return code_cells(read_notebook(path))
