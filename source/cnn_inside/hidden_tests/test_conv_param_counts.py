"""Hidden tests: conv_param_counts(f, n_C_prev, n_C) -> (standard, separable).

Checked against the parameter counts of PyTorch layers (nn.Conv2d; grouped
depthwise + 1x1 pointwise) and the reference.  Known mistakes (hinted): no
biases, the pair swapped, the depthwise step only, floats instead of ints.
"""
import numpy as np
import pytest

import _inside_cases as C
from autograder.checks import Hint, check, expect_equal, expect_tuple

FUNC = "conv_param_counts"
title = C.titler(FUNC)
WHAT = ("(standard, separable) returned by conv_param_counts", "conv_param_counts가 반환한 (standard, separable)")


def hints(f, c, n):
    standard, separable = C.torch_param_counts(f, c, n)
    pairs = [((f * f * c * n, f * f * c + c * n), "The biases are missing: one per filter.",
              "편향이 빠졌습니다. 필터마다 하나씩 있습니다."),
             ((separable, standard), "Return (standard, separable) in this order.",
              "(standard, separable) 순서로 반환하세요."),
             ((standard, f * f * c + c), "The separable pair is depthwise + pointwise: add the pointwise step's "
              "n_C_prev * n_C weights and n_C biases.",
              "분리 합성곱은 깊이별 + 점별입니다. 점별 단계의 가중치 n_C_prev * n_C개와 편향 n_C개를 더하세요.")]
    return [Hint(lambda g, v=v: type(g) in (tuple, list) and len(g) == 2 and tuple(C.number(x) for x in g) == v,
                 en, ko) for v, en, ko in pairs]


def _check(student, ref, f, c, n):  # ref agrees with PyTorch: tests/test_assignments/test_cnn_inside_reference.py
    inputs = {"f": f, "n_C_prev": c, "n_C": n}
    got = expect_tuple(student(f, c, n), 2, what=WHAT, names="(standard, separable)", inputs=inputs)
    expected = C.torch_param_counts(f, c, n)
    expect_equal(tuple(C.number(x) for x in got), tuple(float(v) for v in expected), what=WHAT, inputs=inputs,
                 hints=hints(f, c, n))


@title("lecture example: 3x3 filters, 3 -> 8 channels (224 and 62)", "강의 예제: 3x3 필터, 채널 3 -> 8 (224와 62)")
@pytest.mark.weight(2)
def test_lecture_example(student, ref):
    _check(student, ref, 3, 3, 8)


@pytest.mark.parametrize("f, c, n", [
    pytest.param(3, 256, 256, id="wide", marks=title("3x3, 256 -> 256", "3x3, 256 -> 256")),
    pytest.param(5, 16, 32, id="f5", marks=title("5x5, 16 -> 32", "5x5, 16 -> 32")),
    pytest.param(1, 7, 3, id="f1", marks=title("1x1 filters, 7 -> 3", "1x1 필터, 7 -> 3")),
])
def test_counts(student, ref, f, c, n):
    _check(student, ref, f, c, n)


@title("random sizes (salted)", "무작위 크기")
def test_random(student, ref, rng):
    f, c, n = int(rng.integers(1, 8)), int(rng.integers(1, 300)), int(rng.integers(1, 300))
    _check(student, ref, f, c, n)


@title("returns two ints", "int 두 개를 반환")
def test_returns_ints(student):
    got = expect_tuple(student(3, 4, 5), 2, what=WHAT, names="(standard, separable)", inputs={"f": 3, "n_C_prev": 4,
                                                                                               "n_C": 5})
    check(all(type(x) is int or isinstance(x, np.integer) for x in got),
          f"The counts must be ints, got {[type(x).__name__ for x in got]} (use // or int(), not /).",
          f"개수는 int여야 하는데 {[type(x).__name__ for x in got]}입니다(/ 대신 //나 int()를 쓰세요).")
