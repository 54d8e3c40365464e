"""Scores and summaries from hidden-test outcomes (runner.Outcome -> scoring.score_hidden), in process."""
from __future__ import annotations

from conftest import ROOT
from autograder.config import get_assignment
from autograder.engine.runner import Outcome
from autograder.engine.scoring import score_hidden

ASSIGNMENT = get_assignment("transfer_learning", ROOT / "grading.yml")
FILE = "hidden_tests/test_feature_extractor_config.py"


def _outcome(name, passed, weight=1.0, en="", ko=""):
    return Outcome(question="feature_extractor_config", nodeid=f"{FILE}::{name}", title_en=f"title {name}",
                   title_ko=f"제목 {name}", weight=weight, passed=passed, message_en=en, message_ko=ko)


def _question(outcomes, lang="en"):
    results = score_hidden(ASSIGNMENT, outcomes, {}, lang)
    return next(q for q in results if q.name == "feature_extractor_config")


def test_a_remark_of_a_passed_test_reaches_its_output_and_the_summary():
    q = _question([_outcome("test_valid", True),
                   _outcome("test_trains", True, 3, "test accuracy 0.846", "테스트 정확도 0.846")])
    assert q.score == q.max_score
    assert [t.id for t in q.tests] == ["test_valid", "test_trains"]       # function names, not titles
    assert q.tests[1].output == "test accuracy 0.846" and q.tests[0].output == ""
    assert q.summary == "all tests passed (test accuracy 0.846)"
    assert _question([_outcome("test_trains", True, 1, "accuracy", "정확도")], "ko").summary == "모든 테스트 통과 (정확도)"


def test_a_failure_summary_is_not_mixed_with_remarks():
    q = _question([_outcome("test_valid", True, 1, "a remark"), _outcome("test_trains", False, 3, "too low")])
    assert q.summary == "1 of 2 tests failed"
    assert q.score == q.max_score / 4                                     # by weight: 1 of 4
    assert [t.status for t in q.tests] == ["passed", "failed"] and q.tests[1].output == "too low"
