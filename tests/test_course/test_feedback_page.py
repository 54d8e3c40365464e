"""The question table of feedback pages, without running nbgrader (the full path: test_pipeline_attacks.py)."""
from __future__ import annotations

import html

import nbformat

from conftest import ASSIGNMENT, ROOT, SOLUTION_DIR
from autograder.course import feedback_page
from autograder.config import get_assignment
from autograder.course.grade_cells import apply_result

POLICY = get_assignment(ASSIGNMENT, ROOT / "grading.yml")
HOSTILE = "<script>alert(1)</script>"


def _autograded(lang: str):
    nb = nbformat.read(SOLUTION_DIR / f"{ASSIGNMENT}.ipynb", as_version=4)
    questions = [{"name": q.name, "score": q.points / 2, "max_score": q.points, "summary": "1 of 2 failed",
                  "tests": [{"name": f"{q.name} passes", "score": q.points / 2, "max_score": q.points / 2,
                             "status": "passed", "output": ""},
                            {"name": f"{q.name} on {HOSTILE}", "score": 0, "max_score": q.points / 2,
                             "status": "failed", "output": f"wrong values\nHint: {q.name} {HOSTILE}"}]}
                 for q in POLICY.questions]
    apply_result(nb, {"questions": questions, "notes": [], "sandbox": "L0"}, POLICY, lang)
    return nb


def test_rows_follow_the_gradebook_and_name_the_first_failed_test_and_its_hint():
    nb = _autograded("en")
    grades = {f"test_{q.name}": (q.points / 2, q.points) for q in POLICY.questions}
    grades["test_zero_pad"] = (4.0, 5.0)          # a manual grade given in formgrader wins
    rows = feedback_page.question_rows(nb, grades)
    assert [r["name"] for r in rows] == [q.name for q in POLICY.questions]
    zero_pad = next(r for r in rows if r["name"] == "zero_pad")
    assert (zero_pad["score"], zero_pad["max_score"]) == (4.0, 5.0)
    assert zero_pad["look_at"] == f"zero_pad on {HOSTILE}: Hint: zero_pad {HOSTILE}"


def test_table_is_in_the_report_language_escaped_and_replaced_not_repeated(tmp_path):
    nb = _autograded("ko")
    rows = feedback_page.question_rows(nb, {f"test_{q.name}": (q.points, q.points) for q in POLICY.questions})
    table = feedback_page.table_html(rows, "ko")
    assert "문제별 점수" in table and "확인할 점" in table and "합계" in table
    assert HOSTILE not in table and html.escape(HOSTILE) in table
    assert f"{POLICY.max_score:g} / {POLICY.max_score:g}" in table
    page = tmp_path / "page.html"
    page.write_text("<html><head><title>x</title></head><body class='x'>\n<p>notebook</p></body></html>")
    assert feedback_page.add_question_table(page, table)
    assert feedback_page.add_question_table(page, table)          # generate_feedback run again: one table
    text = page.read_text()
    assert text.count(f'<section id="{feedback_page.TABLE_ID}">') == 1
    before = text
    feedback_page.add_question_table(page, table)
    assert page.read_text() == before                               # stable, however often it runs
    assert text.index("<section") > text.index("<body") and text.index("<section") < text.index("notebook")
