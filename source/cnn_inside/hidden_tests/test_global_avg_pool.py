"""Hidden tests: global_avg_pool(A) -> (m, n_C).

Compared with the reference and with F.adaptive_avg_pool2d(., 1) (NHWC <->
NCHW).  Non-square inputs catch averaging over the wrong axes.  Known mistakes
(hinted): the sum instead of the mean, keepdims (m, 1, 1, n_C), wrong axes.
"""
import numpy as np
import pytest

import _inside_cases as C
from autograder.checks import Hint, expect_close, expect_shape

FUNC = "global_avg_pool"
title = C.titler(FUNC)
WHAT = ("the array returned by global_avg_pool", "global_avg_pool이 반환한 배열")
WHAT_TORCH = ("the pooled array (compared with PyTorch F.adaptive_avg_pool2d)",
              "풀링된 배열 (PyTorch F.adaptive_avg_pool2d와 비교)")


def hints(A):
    m, n_H, n_W, n_C = A.shape
    return [Hint.close_to(A.sum(axis=(1, 2)), "This is the sum of each map: divide by n_H * n_W (the mean).",
                          "각 맵의 합입니다. n_H * n_W로 나누세요(평균)."),
            Hint.shape((m, 1, 1, n_C), "The result must have shape (m, n_C): no keepdims.",
                       "결과의 모양은 (m, n_C)여야 합니다: keepdims 없이."),
            Hint.shape((m, n_W, n_C), "Average over both height and width, axes 1 and 2.",
                       "높이와 너비, 축 1과 2 모두에 대해 평균하세요."),
            Hint.shape((m, n_H, n_C), "Average over both height and width, axes 1 and 2.",
                       "높이와 너비, 축 1과 2 모두에 대해 평균하세요."),
            Hint.shape((m, n_H, n_W), "Average over height and width (axes 1, 2), not over the channels.",
                       "채널이 아니라 높이와 너비(축 1, 2)에 대해 평균하세요.")]


@pytest.mark.parametrize("shape, dtype", [
    pytest.param((4, 7, 5, 3), np.float64, id="nonsquare", marks=title("non-square (4, 7, 5, 3)",
                                                                       "정사각형 아님 (4, 7, 5, 3)")),
    pytest.param((2, 6, 6, 8), np.float32, id="f32", marks=title("float32 (2, 6, 6, 8)", "float32 (2, 6, 6, 8)")),
    pytest.param((1, 1, 1, 5), np.float64, id="one_pixel", marks=title("1x1 maps", "1x1 맵")),
])
def test_values(student, ref, tol, rng, shape, dtype):
    A = C.randn(rng, shape, dtype)
    inputs = {"A": A}
    got = student(A)
    expect_shape(got, (shape[0], shape[3]), what=WHAT, inputs=inputs, hints=hints(A))
    expect_close(got, ref.global_avg_pool(A), what=WHAT, inputs=inputs, tol=tol, hints=hints(A))
    expect_close(got, C.torch_gap(A), what=WHAT_TORCH, inputs=inputs, tol=tol)


@title("lecture example: a batch of 32 RGB maps -> (32, 3)", "강의 예제: RGB 맵 32개 배치 -> (32, 3)")
def test_lecture_shape(student, rng):
    # The lecture's (32, 224, 224, 3) with 28x28 maps (the same lesson, 64 times less to send); constant
    # maps, so every mean is known exactly.
    values = rng.standard_normal((32, 1, 1, 3))
    A = np.ascontiguousarray(np.broadcast_to(values, (32, 28, 28, 3)))
    got = student(A)
    expect_shape(got, (32, 3), what=WHAT, inputs={"A": A}, hints=hints(A))
    expect_close(got, values.reshape(32, 3), what=WHAT, inputs={"A": A}, hints=hints(A))
