"""Load the reference solutions from the single source of truth: the source notebook.

The instructor writes every reference function once, inside the solution cells
of ``source/<assignment>/<notebook>.ipynb`` (between nbgrader's
``### BEGIN SOLUTION`` / ``### END SOLUTION`` markers).  The grader and the
project's tests import them from here; there is no hand-written second copy.
Reference code is trusted and runs in the grader process; it is never sent to
a student worker.
"""
from __future__ import annotations

import functools
import types
from pathlib import Path

from .notebook import read_notebook

#: Cells tagged with this are executed too (the notebook's import cell).
SETUP_TAG = "setup"


def _is_reference_cell(cell) -> bool:
    meta = cell.get("metadata", {})
    if (meta.get("nbgrader") or {}).get("solution"):
        return True
    return SETUP_TAG in (meta.get("tags") or [])


@functools.lru_cache(maxsize=None)
def _load(path: str, mtime_ns: int) -> types.ModuleType:
    nb = read_notebook(path)
    module = types.ModuleType(f"reference_{Path(path).stem}")
    module.__file__ = path
    for index, cell in enumerate(nb.cells):
        if cell.get("cell_type") != "code" or not _is_reference_cell(cell):
            continue
        code = compile(cell.source, f"{path}#cell{index}", "exec")
        exec(code, module.__dict__)  # noqa: S102 - instructor's own trusted code
    return module


def load_reference(notebook: str | Path) -> types.ModuleType:
    """Return a module holding the reference functions of a source notebook."""
    path = Path(notebook).resolve()
    return _load(str(path), path.stat().st_mtime_ns)
