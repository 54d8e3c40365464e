"""Hidden tests: softmax(Z) -> P.

Compared with the reference and torch.softmax(dim=1); rows sum to 1; scores
up to 1e4 must not overflow.  Known mistakes (hinted): no max subtraction
(nan/inf), normalising over the wrong axis (columns), a global max (under-
flow of whole rows).
"""
import numpy as np
import pytest

import _inside_cases as C
from autograder.checks import Hint, expect_close, expect_computed, expect_shape, expect_unchanged

FUNC = "softmax"
title = C.titler(FUNC)
WHAT = ("P returned by softmax", "softmax가 반환한 P")
WHAT_TORCH = ("P (compared with torch.softmax(dim=1))", "P (torch.softmax(dim=1)과 비교)")


def hints(Z):
    e = np.exp(Z - Z.max(axis=0, keepdims=True))
    return [Hint(lambda g: type(g) is np.ndarray and g.dtype.kind == "f" and not np.all(np.isfinite(g)),
                 "np.exp of a large score overflows: subtract each row's maximum first.",
                 "큰 점수의 np.exp가 넘칩니다. 먼저 각 행의 최댓값을 빼세요."),
            Hint.close_to(e / e.sum(axis=0, keepdims=True), "Normalise each row (one example) over its classes: "
                          "axis=1, keepdims=True.", "각 행(예제 하나)을 클래스에 대해 정규화하세요: axis=1, keepdims=True.")]


def _check(student, ref, tol, Z):
    inputs = {"Z": Z}
    got = student(Z)
    expect_shape(got, Z.shape, what=WHAT, inputs=inputs, hints=hints(Z))
    expect_close(got, ref.softmax(Z), what=WHAT, inputs=inputs, tol=tol, hints=hints(Z))
    expect_close(got, C.torch_softmax(Z), what=WHAT_TORCH, inputs=inputs, tol=tol, hints=hints(Z))


@title("lecture example: scores [2.0, 1.0, 0.1]", "강의 예제: 점수 [2.0, 1.0, 0.1]")
def test_lecture_example(student, ref, tol):
    _check(student, ref, tol, np.array([[2.0, 1.0, 0.1]]))


@title("a batch of random scores", "무작위 점수 배치")
@pytest.mark.weight(2)
def test_batch(student, ref, tol, rng):
    _check(student, ref, tol, C.randn(rng, (6, 4)) * 3)


@title("large scores (up to 1e4) do not overflow", "큰 점수(최대 1e4)에서 넘치지 않음")
@pytest.mark.weight(2)
def test_large_scores(student, ref, tol, rng):
    Z = C.randn(rng, (4, 5)) * 50 + np.array([[1e4], [-1e4], [800.0], [0.0]])
    _check(student, ref, tol, Z)


@title("rows of very different scale (no global maximum)", "크기가 매우 다른 행 (전체 최댓값이 아님)")
def test_row_scales(student, ref, tol, rng):
    _check(student, ref, tol, np.array([[1000.0, 999.0, 998.0], [1.0, 0.5, -2.0]]) + rng.random((2, 3)))


@title("does not modify its input", "입력을 변경하지 않음")
def test_inputs_unchanged(student, rng):
    Z = C.randn(rng, (3, 4))
    res = student.call_full(Z)
    expect_unchanged(Z, res.args_after[0], "Z", func=FUNC, inputs={"Z": Z})
    expect_computed(res.value, func=FUNC, inputs={"Z": Z})
