"""No student HTML or script runs in a page rendered from a submission; Markdown, maths and images stay.

Checked in headless Chromium: every payload marks the page when it runs (tests/browser.py).  The same
notebook rendered without sanitising is the control: there the payloads do run.
"""
from __future__ import annotations

import copy
import re

import nbformat
import pytest
from nbformat.v4 import new_markdown_cell

import browser
from conftest import ROOT
from hostile_notebooks import attack_cells
from autograder.feedback.report import to_html
from autograder.results import GradeResult, QuestionResult, TestResult
from autograder.course.sanitize import SAFE_OUTPUT_TYPES, sanitize_notebook

PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg=="


def _attack_notebook():
    nb = nbformat.v4.new_notebook()
    nb.cells = attack_cells()
    nb.cells.append(new_markdown_cell(f"Kept: **bold**, $x^2$, a table\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
                                      f"![dot](data:image/png;base64,{PNG})"))
    nb.metadata["title"] = f"</title><script>{browser.payload('title')}</script>"
    return nb


def _render(nb, path, template="lab"):
    from nbconvert import HTMLExporter
    path.write_text(HTMLExporter(template_name=template).from_notebook_node(nb)[0], encoding="utf-8")
    return path


def test_payloads_run_without_sanitising(tmp_path):
    ran = browser.ran_payloads(_render(_attack_notebook(), tmp_path / "raw.html"))
    assert {"script", "onerror", "svg", "iframe", "details", "html_out", "html_img", "js_out", "md_out"} <= ran


@pytest.mark.parametrize("template", ["lab", "classic"])
def test_nothing_runs_after_sanitising_and_content_stays(tmp_path, template):
    nb = _attack_notebook()
    assert sanitize_notebook(nb)
    page = _render(nb, tmp_path / "clean.html", template)
    assert browser.ran_payloads(page) == set()
    dom = browser.dom(page)
    assert not re.search(r"(href|src|action|data)\s*=\s*\"?\s*javascript:", dom, re.IGNORECASE)
    assert "<strong>bold</strong>" in dom and "x^2" in dom and "<table" in dom
    assert f"data:image/png;base64,{PNG}" in dom.replace("\n", "")          # images (data: rasters) kept
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert all(set(o.get("data", {})) <= SAFE_OUTPUT_TYPES | {"text/html", "text/markdown"} for o in outputs)
    assert any("image/png" in o.get("data", {}) for o in outputs)


def test_sanitising_is_idempotent_and_leaves_course_notebooks_alone():
    nb = _attack_notebook()
    sanitize_notebook(nb)
    again = copy.deepcopy(nb)
    assert sanitize_notebook(again) == [] and again == nb
    for path in [*ROOT.glob("assignments/*/*.ipynb"), *ROOT.glob("solutions/*/*.ipynb")]:
        original = nbformat.read(path, as_version=4)
        copied = copy.deepcopy(original)
        assert sanitize_notebook(copied) == [], path           # nothing of the course's own text is rewritten
        assert copied.cells == original.cells


def test_html_report_shows_hostile_text_as_text(tmp_path):
    hostile = f"<script>{browser.payload('report')}</script><img src=x onerror=\"{browser.payload('report_img')}\">"
    test = TestResult(name=f"zero_pad {hostile}", score=0, max_score=5, status="failed",
                      output=f"your function raised ValueError: {hostile}")
    result = GradeResult(assignment="cnn_step_by_step", score=0, max_score=5, sandbox="L0", duration_s=1.0,
                         questions=[QuestionResult("zero_pad", 0, 5, [test], summary=hostile)],
                         notes=[f"cell 3 printed {hostile}"])
    page = tmp_path / "report.html"
    page.write_text(to_html(result), encoding="utf-8")
    assert browser.ran_payloads(page) == set()
    assert "<script>" in browser.dom(page).replace("&lt;script&gt;", "<script>")   # shown, as text
