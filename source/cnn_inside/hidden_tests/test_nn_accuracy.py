"""Hidden tests: nn_accuracy(embedding, labels) -> float.

Compared with the reference and with a plain double loop.  Known mistakes
(hinted): the point itself counted as its nearest neighbour (accuracy 1.0),
the farthest point instead of the nearest, a percentage.
"""
import numpy as np
import pytest

import _inside_cases as C
from autograder.checks import Hint, check, expect_close

FUNC = "nn_accuracy"
title = C.titler(FUNC)
WHAT = ("the accuracy returned by nn_accuracy", "nn_accuracy가 반환한 정확도")


def loop(embedding, labels):
    n, correct = len(labels), 0
    for i in range(n):
        best, best_d = None, np.inf
        for j in range(n):
            d = float(np.sum((embedding[i] - embedding[j]) ** 2))
            if j != i and d < best_d:
                best, best_d = j, d
        correct += labels[best] == labels[i]
    return correct / n


def _check(student, ref, tol, embedding, labels):
    inputs = {"embedding": embedding, "labels": labels}
    expected = ref.nn_accuracy(embedding, labels)
    hints = [Hint(lambda g: C.number(g) == 1.0 and expected != 1.0, "A point is its own nearest neighbour at distance "
                  "0: exclude it (set the diagonal of the distance matrix to np.inf).",
                  "점은 거리 0인 자기 자신의 최근접 이웃입니다. 자기 자신을 빼세요(거리 행렬의 대각선을 np.inf로)."),
             Hint.close_to(expected * 100, "Return a fraction between 0 and 1, not a percentage.",
                           "백분율이 아니라 0과 1 사이의 비율을 반환하세요.")]
    got = student(embedding, labels)
    value = C.number(got)
    expect_close(value if value is not None else got, expected, what=WHAT, inputs=inputs, tol=tol, hints=hints)
    expect_close(value, loop(embedding, labels), what=WHAT, inputs=inputs, tol=tol, hints=hints)


@title("six points by hand", "손 계산 점 여섯 개")
def test_hand_example(student, ref, tol):
    emb = np.array([[0.0, 0.0], [0.1, 0.0], [1.0, 1.0], [1.1, 1.0], [0.0, 1.0], [0.5, 0.5]])
    _check(student, ref, tol, emb, np.array([0, 0, 1, 1, 0, 1]))


@title("random points and labels (salted)", "무작위 점과 레이블")
@pytest.mark.weight(2)
def test_random(student, ref, tol, rng):
    _check(student, ref, tol, C.randn(rng, (40, 3)), rng.integers(0, 4, 40))


@title("clustered classes", "뭉친 클래스")
def test_clusters(student, ref, tol, rng):
    centres = np.array([[0.0, 0.0], [5.0, 0.0], [0.0, 5.0]])
    labels = rng.integers(0, 3, 45)
    _check(student, ref, tol, centres[labels] + C.randn(rng, (45, 2)) * 1.5, labels)


@title("returns a float", "float를 반환")
def test_returns_float(student, rng):
    got = student(C.randn(rng, (6, 2)), np.array([0, 1, 0, 1, 0, 1]))
    check(isinstance(got, (float, np.floating)),
          f"The accuracy must be a float, got {type(got).__name__}.",
          f"정확도는 float여야 하는데 {type(got).__name__}입니다.")
