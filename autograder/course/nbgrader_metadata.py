"""nbgrader's cell-metadata check, run once per distinct set of nbgrader cells in a process.

``nbgrader autograde`` runs ``CheckCellMetadata`` on every submission, twice (in the sanitise
pass and again before grading): a JSON-schema validation of every nbgrader cell's metadata,
about a third of the time of each pass.  The check reads only the cells that carry nbgrader
metadata, their types and that metadata (the source only to quote in an error message), and the
notebooks of a class share theirs (restored from the release).  So in our own processes
(:mod:`autograder.course.record`'s recording, the batch's sanitise pass in
:func:`autograder.course.nbgrader_bridge.sanitized_notebook`), nbgrader's class is subclassed to skip a
set of nbgrader cells it has already passed; a notebook that fails is never remembered, so it
fails exactly as in nbgrader.  Run by hand, nbgrader is unchanged.
"""
from __future__ import annotations

import json

_CHECKED: set[str] = set()


def classes(entries) -> list[type]:
    """The classes of a traitlets list of preprocessors (classes or import strings)."""
    from traitlets.utils.importstring import import_item
    return [import_item(e) if isinstance(e, str) else e for e in entries]


def _nbgrader_cells(nb) -> str:
    return json.dumps([(c.get("cell_type"), c.metadata["nbgrader"]) for c in nb.cells
                       if "nbgrader" in c.get("metadata", {})], sort_keys=True, default=str)


def remembered_check() -> type:
    """nbgrader's ``CheckCellMetadata``, passing at once a set of nbgrader cells it has passed before."""
    from nbgrader.preprocessors import CheckCellMetadata

    class RememberedCheckCellMetadata(CheckCellMetadata):
        def preprocess(self, nb, resources):
            key = _nbgrader_cells(nb)
            if key in _CHECKED:
                return nb, resources
            nb, resources = super().preprocess(nb, resources)
            _CHECKED.add(key)
            return nb, resources
    return RememberedCheckCellMetadata


def remembering_metadata_check(entries) -> list:
    """``entries`` (a converter's preprocessor list) with nbgrader's own ``CheckCellMetadata`` remembered;
    anything else, a course's subclass included, is kept as it is."""
    from nbgrader.preprocessors import CheckCellMetadata
    return [remembered_check() if cls is CheckCellMetadata else entry for entry, cls in zip(entries, classes(entries))]
