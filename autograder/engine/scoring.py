"""Turn test outcomes into per-question scores (partial credit by test weight)."""
from __future__ import annotations

from ..config import Assignment
from .notebook import CodeCell
from ..results import ERROR, FAILED, PASSED, QuestionResult, TestResult
from ..feedback.texts import say


def _split(points: float, weights: list[float]) -> list[float]:
    total = sum(weights)
    if total <= 0:
        return [0.0 for _ in weights]
    return [points * w / total for w in weights]


def _summary(tests: list[TestResult], lang: str) -> str:
    failed = sum(1 for t in tests if t.status != PASSED and t.max_score > 0)
    counted = sum(1 for t in tests if t.max_score > 0)
    if failed:
        return say("some_failed", lang, failed=failed, total=counted)
    # Remarks of passed tests (a measured accuracy...) belong in the one line every report shows.
    remarks = [t.output.replace("\n", "; ") for t in tests if t.output]
    return say("all_passed", lang) + (f" ({'; '.join(remarks)})" if remarks else "")


def score_hidden(assignment: Assignment, outcomes, forbidden: dict[str, str], lang: str) -> list[QuestionResult]:
    results = []
    for question in assignment.questions:
        if question.name in forbidden:
            message = say("forbidden", lang, name=question.name, reason=forbidden[question.name])
            test = TestResult(name=f"{question.name}: numpy only", score=0.0, max_score=question.points,
                              status=FAILED, output=message, id="forbidden_modules")
            results.append(QuestionResult(question.name, 0.0, question.points, [test], summary=message))
            continue
        mine = [o for o in outcomes if o.question == question.name]
        shares = _split(question.points, [o.weight for o in mine])
        tests = []
        for outcome, share in zip(mine, shares):
            status = PASSED if outcome.passed else (ERROR if outcome.grader_error else FAILED)
            title = outcome.title_ko if lang == "ko" else outcome.title_en
            message = outcome.message_ko if lang == "ko" else outcome.message_en
            tests.append(TestResult(name=title, score=round(share if outcome.passed else 0.0, 4),
                                    max_score=round(share, 4), status=status, output=message,
                                    id=outcome.nodeid.rsplit("::", 1)[-1], hints=list(outcome.hints)))
        total_weight = sum(o.weight for o in mine)
        passed_weight = sum(o.weight for o in mine if o.passed)
        # From the weights, not the rounded shares: full marks must sum to exactly the points.
        score = round(question.points * passed_weight / total_weight, 4) if total_weight > 0 else 0.0
        if mine and all(o.not_implemented for o in mine if not o.passed) and not any(o.passed for o in mine):
            summary = say("not_implemented", lang)
        else:
            summary = _summary(tests, lang)
        results.append(QuestionResult(question.name, score, question.points, tests, summary=summary))
    return results


def score_visible(assignment: Assignment, cells: list[CodeCell], cell_errors: dict[int, str],
                  lang: str) -> list[QuestionResult]:
    """Student-side scoring: a question's visible check cell ran without error."""
    by_grade_id = {c.grade_id: c for c in cells if c.grade_id}
    results = []
    for question in assignment.questions:
        cell = by_grade_id.get(f"test_{question.name}")
        if cell is None:
            ok, message = False, say("visible_missing", lang, name=question.name)
        elif cell.index in cell_errors:
            error = cell_errors[cell.index]
            ok = False
            message = (say("not_implemented", lang) if error.startswith("NotImplementedError")
                       else say("visible_failed", lang, message=error))
        else:
            ok, message = True, say("visible_passed", lang)
        test = TestResult(name=f"{question.name}: visible check", score=question.points if ok else 0.0,
                          max_score=question.points, status=PASSED if ok else FAILED, output=message)
        results.append(QuestionResult(question.name, test.score, question.points, [test], summary=message))
    return results


def score_practice(assignment: Assignment, visible: list[QuestionResult], outcomes, forbidden: dict[str, str],
                   lang: str) -> list[QuestionResult]:
    """The practice tier: per question, its visible check counts as one test next to its public tests."""
    from .runner import Outcome
    checks = []
    for question in visible:
        test = question.tests[0]
        checks.append(Outcome(question=question.name, nodeid="visible_check", title_en=test.name,
                              title_ko=test.name, weight=1.0, passed=test.status == PASSED,
                              message_en="" if test.status == PASSED else test.output,
                              message_ko="" if test.status == PASSED else test.output,
                              not_implemented=question.summary == say("not_implemented", lang)))
    return score_hidden(assignment, checks + list(outcomes), forbidden, lang)
