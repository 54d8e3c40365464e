"""Report writers: one result, several formats, written atomically and safely."""
from __future__ import annotations

import json
import os

import pytest

from autograder.feedback.report import render, write_atomic
from autograder.results import GradeResult, QuestionResult, TestResult


def _result(lang="en"):
    failing = TestResult("conv_forward: stride 2", 0.0, 10.0, "failed", "<script>alert(1)</script> expected (2, 3)")
    passing = TestResult("conv_forward: pad 0", 10.0, 10.0, "passed", "")
    return GradeResult("cnn_step_by_step", 10.0, 20.0, "L2+L1", 1.5,
                       [QuestionResult("conv_forward", 10.0, 20.0, [failing, passing], "1 of 2 tests failed")],
                       language=lang, notes=["code cell 3 raised NameError"])


def test_json_is_the_native_schema():
    data = json.loads(render(_result(), "json"))
    assert data["score"] == 10.0 and data["max_score"] == 20.0 and data["sandbox"] == "L2+L1"
    test = data["questions"][0]["tests"][0]
    assert set(test) == {"name", "score", "max_score", "status", "output", "id", "hints"}


def test_gradescope_statuses_and_visibility():
    data = json.loads(render(_result(), "gradescope"))
    assert [t["status"] for t in data["tests"]] == ["failed", "passed"]
    assert all(t["visibility"] == "visible" for t in data["tests"]) and data["score"] == 10.0


def test_html_escapes_student_text():
    page = render(_result(), "html")
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page


def test_text_and_markdown_list_only_failures():
    for fmt in ("text", "markdown"):
        out = render(_result(), fmt)
        assert "conv_forward: stride 2" in out and "conv_forward: pad 0" not in out
        assert "code cell 3" in out


def test_korean_headings():
    assert "채점 결과" in render(_result("ko"), "text")


def test_write_atomic_never_leaves_half_a_file(tmp_path, monkeypatch):
    target = tmp_path / "grades" / "result.json"
    write_atomic(target, "old")

    def boom(src, dst):
        raise OSError("disk full")
    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        write_atomic(target, "new" * 1000)
    assert target.read_text() == "old"
    assert [p.name for p in target.parent.iterdir()] == ["result.json"]
