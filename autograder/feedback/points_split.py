"""Per-test points that add up exactly to the score shown next to them.

Each test's share of a question is a fraction of its points (1/11 of 100 is 9.0909...); rounded
one by one to four decimals, eleven full-mark tests show 100.0001, one of them 99.9999.  A report
that lists tests and a total (Gradescope's results.json) instead splits the total it shows into
units of 0.0001 by largest remainder: each test gets its proportional share rounded down, and the
units left over go to the largest fractional parts (the earlier test on a tie).  The sums are then
exact in decimal: what the student adds up is what the total says.
"""
from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

QUANTUM = Decimal("0.0001")


def to_units(value: float | Decimal) -> int:
    return int((Decimal(str(value)) / QUANTUM).to_integral_value(ROUND_HALF_EVEN))


def split(total: int, weights: list[float], caps: list[int] | None = None) -> list[int]:
    """``total`` units over ``weights`` by largest remainder, no part above its cap (when given)."""
    n = len(weights)
    caps = caps if caps is not None else [total] * n
    total = max(0, min(total, sum(caps)))
    positive = [max(0.0, float(w)) for w in weights]
    if sum(positive) <= 0:
        positive = [float(c) for c in caps] if sum(caps) > 0 else [1.0] * n
    weight_sum = Decimal(str(sum(positive)))
    exact = [Decimal(total) * Decimal(str(w)) / weight_sum for w in positive]
    parts = [min(int(e), cap) for e, cap in zip(exact, caps)]
    left = total - sum(parts)
    order = sorted(range(n), key=lambda i: (-(exact[i] - int(exact[i])), i))
    while left > 0:   # at most a few rounds: each gives one unit to every part still under its cap
        room = [i for i in order if parts[i] < caps[i]]
        for i in room[:left]:
            parts[i] += 1
        left = total - sum(parts)
    return parts


def share_points(score: float, max_score: float, tests: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """(score, max_score) for each of ``tests`` (their unrounded values) so that the maxima add up to
    ``max_score`` and the scores to ``score``, exactly in units of 0.0001, and no score passes its maximum."""
    maxima = split(to_units(max_score), [m for _, m in tests])
    scores = split(to_units(score), [s for s, _ in tests], caps=maxima)
    return [(float(s * QUANTUM), float(m * QUANTUM)) for s, m in zip(scores, maxima)]


def shown_points(result) -> tuple[float, list[list[tuple[float, float]]]]:
    """The total and, per question of a GradeResult, its tests' (score, max_score): every test's points
    add up to the total, each question's to its share of it."""
    questions = share_points(result.score, result.max_score, [(q.score, q.max_score) for q in result.questions])
    per_test = [share_points(qs, qm, [(t.score, t.max_score) for t in q.tests])
                for q, (qs, qm) in zip(result.questions, questions)]
    return float(sum((Decimal(str(s)) for s, _ in questions), Decimal(0))), per_test
