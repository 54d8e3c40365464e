"""What Gradescope shows: text as written (no HTML), test points that add up exactly, tracebacks in stdout.

Gradescope's autograder specification ("Output String Formatting"): a test's output and name default
to "text", the top-level output to "simple_format", which renders HTML; each can be set with
`output_format` / `name_format` (per test) and `output_format`, `test_output_format`,
`test_name_format` (top level).  /autograder/results/stdout holds run_autograder's output.
"""
from __future__ import annotations

import json
from decimal import Decimal

from hypothesis import given, settings, strategies as st

from autograder.feedback.points_split import share_points, split
from autograder.feedback.report import render
from autograder.results import QuestionResult, TestResult, GradeResult

HOSTILE = "<img src=x onerror=alert(1)> cell 3: NameError in 'evil<b>.ipynb'"


def _d(x) -> Decimal:
    return Decimal(str(x))


def _result(questions: list[tuple[float, list[tuple[float, float]]]], notes=()) -> GradeResult:
    """questions: (points, [(test score, test max) unrounded])"""
    qs = []
    for index, (points, tests) in enumerate(questions):
        score = round(sum(s for s, _ in tests), 4)
        qs.append(QuestionResult(f"q{index}", score, points,
                                 [TestResult(f"t{i}", round(s, 4), round(m, 4), "passed" if s >= m else "failed",
                                             HOSTILE) for i, (s, m) in enumerate(tests)]))
    total = round(sum(q.score for q in qs), 4)
    return GradeResult("a", total, sum(q.max_score for q in qs), "L0", 1.0, qs, "en", notes=list(notes))


def _full(points: float, n: int) -> tuple[float, list[tuple[float, float]]]:
    return points, [(points / n, points / n)] * n


def test_full_marks_add_up_to_exactly_the_total():
    # 100 points over questions of 11, 3, 7 and 9 tests: each share rounded alone gives 100.0001 or 99.9999.
    result = _result([_full(25, 11), _full(25, 3), _full(30, 7), _full(20, 9)])
    naive = sum(_d(t.max_score) for q in result.questions for t in q.tests)
    assert naive != 100                                    # the old writer's sum
    data = json.loads(render(result, "gradescope"))
    assert sum(_d(t["max_score"]) for t in data["tests"]) == 100
    assert sum(_d(t["score"]) for t in data["tests"]) == _d(data["score"]) == 100
    assert all(t["score"] == t["max_score"] for t in data["tests"])
    assert all(abs(_d(t["max_score"]) - _d(25 / 11)) <= Decimal("0.0001") for t in data["tests"][:11])


def test_partial_credit_adds_up_and_never_passes_a_test_maximum():
    result = _result([(25, [(25 / 11, 25 / 11)] * 5 + [(0, 25 / 11)] * 6), (75, [(75 / 7, 75 / 7), (1.2345678, 75 / 7)]
                                                                              + [(0, 75 / 7)] * 5)])
    data = json.loads(render(result, "gradescope"))
    assert sum(_d(t["score"]) for t in data["tests"]) == _d(data["score"]) == _d(result.score)
    assert sum(_d(t["max_score"]) for t in data["tests"]) == 100
    assert all(0 <= t["score"] <= t["max_score"] for t in data["tests"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 40), st.lists(st.floats(0, 1), min_size=1, max_size=12)),
                min_size=1, max_size=8))
def test_any_result_adds_up_exactly(spec):
    questions = []
    for points, fractions in spec:
        share = points / len(fractions)
        questions.append((points, [(share * f, share) for f in fractions]))
    result = _result(questions)
    data = json.loads(render(result, "gradescope"))
    assert sum(_d(t["max_score"]) for t in data["tests"]) == _d(result.max_score)
    assert sum(_d(t["score"]) for t in data["tests"]) == _d(data["score"])
    assert abs(_d(data["score"]) - _d(result.score)) <= Decimal("0.0001") * len(result.questions)
    assert all(0 <= t["score"] <= t["max_score"] for t in data["tests"])
    start = 0
    for question in result.questions:   # each question's tests add up to that question's share
        tests = data["tests"][start:start + len(question.tests)]
        start += len(question.tests)
        assert sum(_d(t["max_score"]) for t in tests) == _d(question.max_score)


def test_split_is_largest_remainder():
    assert split(10, [1, 1, 1]) == [4, 3, 3]               # the leftover unit to the first of a tie
    assert split(10, [0.5, 0.3, 0.2]) == [5, 3, 2]
    assert split(7, [1, 1], caps=[2, 10]) == [2, 5]        # a capped part gives its share to the others
    assert split(5, [0, 0]) == [3, 2]                      # no weights: evenly
    assert share_points(0, 10, [(0, 5), (0, 5)]) == [(0.0, 5.0), (0.0, 5.0)]


def test_every_text_is_plain_text_for_gradescope():
    data = json.loads(render(_result([_full(10, 2)], notes=[HOSTILE]), "gradescope"))
    assert data["output"] == HOSTILE                       # as written: Gradescope shows it, renders nothing
    assert data["output_format"] == data["test_output_format"] == data["test_name_format"] == "text"
    assert all(t["output_format"] == "text" and t["name_format"] == "text" for t in data["tests"])
