"""Submissions that attack the course pipeline rather than the engine.

Each builder takes the solution notebook (so a correct grade is known: full
marks) and does to it what a hostile or careless student could do to the
file: nbgrader metadata edits, or HTML and script planted in Markdown, raw
cells, outputs and metadata.  The payloads mark the page when they run (see
``tests/browser.py``).
"""
from __future__ import annotations

import copy
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_output, new_raw_cell

from browser import payload


def _by_id(nb) -> dict:
    return {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nb.cells if "nbgrader" in c.metadata}


def foreign_grade_cell(nb) -> None:
    """A locked grade cell of their own with a new grade id, and more points for the real ones."""
    cell = new_code_cell("assert True  # free points")
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": "test_bonus", "locked": True, "points": 50,
                                 "schema_version": 3, "solution": False, "task": False}
    nb.cells.insert(5, cell)
    for grade_id, meta_cell in _by_id(nb).items():
        if grade_id and grade_id.startswith("test_") and grade_id != "test_bonus":
            meta_cell.metadata["nbgrader"]["points"] = 100


def duplicated_grade_ids(nb) -> None:
    """A grade cell and a solution cell copied (Jupyter copies metadata with the cell); the copies edited."""
    cells = _by_id(nb)
    test_copy = copy.deepcopy(cells["test_zero_pad"])
    test_copy.metadata["nbgrader"]["points"] = 40
    test_copy.source = "pass"
    nb.cells.insert(nb.cells.index(cells["test_zero_pad"]), test_copy)
    draft = copy.deepcopy(cells["zero_pad"])
    draft.source = "def zero_pad(X, pad):\n    return X  # first draft"
    nb.cells.insert(nb.cells.index(cells["zero_pad"]), draft)


def schema_and_types_changed(nb) -> None:
    """Another schema version everywhere, a solution cell turned into Markdown, a markdown cell into code."""
    for cell in nb.cells:
        if "nbgrader" in cell.metadata:
            cell.metadata["nbgrader"]["schema_version"] = 1
    cells = _by_id(nb)
    solution = cells["conv_single_step"]
    index = nb.cells.index(solution)
    nb.cells[index] = new_markdown_cell(solution.source, metadata=solution.metadata)
    intro = cells["intro"]
    nb.cells[nb.cells.index(intro)] = new_code_cell(intro.source, metadata=intro.metadata)


def checksums_and_flags_edited(nb) -> None:
    """Checksums edited, a locked cell unlocked, a grade cell marked as solution, a solution as locked."""
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader")
        if meta and meta.get("locked"):
            meta["checksum"] = "0" * 32
    cells = _by_id(nb)
    cells["imports"].metadata["nbgrader"]["locked"] = False
    cells["test_pool_forward"].metadata["nbgrader"]["solution"] = True
    cells["conv_forward"].metadata["nbgrader"]["locked"] = True


def foreign_and_edited(nb) -> None:
    foreign_grade_cell(nb)
    checksums_and_flags_edited(nb)


def duplicated_and_retyped(nb) -> None:
    duplicated_grade_ids(nb)
    schema_and_types_changed(nb)
    _by_id(nb)["conv_forward"].metadata["collapsed"] = "very"   # not what the notebook format allows


#: Student id -> what they did to the solution notebook (graded in one batch run: two students, four edits).
TAMPERINGS = {
    "foreign": foreign_and_edited,
    "dupes": duplicated_and_retyped,
}


#: Markdown payloads: what runs in an unsanitised page, each marking the page with its own number.
MARKDOWN_ATTACKS = {
    "script": f"<script>{payload('script')}</script>",
    "onerror": f'<img src="x" onerror="{payload("onerror")}">',
    "svg": f'<svg onload="{payload("svg")}"><circle r="4"/></svg>',
    "iframe": f'<iframe srcdoc="<script>parent.{payload("iframe")}</script>"></iframe>',
    "details": f'<details open ontoggle="{payload("details")}"><summary>x</summary></details>',
    "jslink": f"[click here](javascript:{payload('jslink')})",
    "jsanchor": f'<a href="javascript:{payload("jsanchor")}">click</a>',
    "object": f'<object data="data:text/html,<script>parent.{payload("object")}</script>"></object>',
    "meta": f'<meta http-equiv="refresh" content="0;url=javascript:{payload("meta")}">',
    "style": f'<div style="background:url(javascript:{payload("style")})" onmouseover="{payload("style")}">x</div>',
}


def attack_cells() -> list:
    """Cells planting HTML and script: Markdown, a raw HTML cell, rich outputs of every dangerous kind."""
    cells = [new_markdown_cell(f"### Attack {name}\n\n{source}\n\nMaths still renders: $a^2 + b^2$")
             for name, source in MARKDOWN_ATTACKS.items()]
    raw = new_raw_cell(f"<script>{payload('raw')}</script>")
    raw.metadata["raw_mimetype"] = "text/html"
    code = new_code_cell("x = 1  # outputs planted in the file, never produced by running this")
    code.outputs = [
        new_output("display_data", data={"text/html": f"<b>hi</b><script>{payload('html_out')}</script>"
                                                      f'<img src="x" onerror="{payload("html_img")}">',
                                         "text/plain": "hi"}),
        new_output("display_data", data={"application/javascript": payload("js_out")}),
        new_output("display_data", data={"image/svg+xml": f'<svg xmlns="http://www.w3.org/2000/svg" '
                                                          f'onload="{payload("svg_out")}"><rect width="9"/></svg>'}),
        new_output("execute_result", data={"text/markdown": f"<script>{payload('md_out')}</script>"},
                   execution_count=1),
        new_output("display_data", data={"image/png": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4"
                                                      "nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg=="},
                   metadata={"image/png": {"width": f'1" onerror="{payload("width")}'}}),
    ]
    code.metadata["tags"] = ['x" onmouseover="document.title=\'PWNED-tag\'']   # no comma: a valid tag
    return cells + [raw, code]


def html_attack(nb) -> None:
    """Everything in :func:`attack_cells`, plus a notebook title and widget state that templates print."""
    nb.cells[1:1] = attack_cells()
    nb.metadata["title"] = f"</title><script>{payload('title')}</script>"
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}, "version_major": 2,
                                                                             "version_minor": 0}}


def write_variant(base: Path, change, dest: Path) -> Path:
    nb = nbformat.read(base, as_version=4)
    change(nb)
    dest.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, dest)
    return dest
