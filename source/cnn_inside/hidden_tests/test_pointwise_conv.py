"""Hidden tests: pointwise_conv(A, W, b) -> Z.

Compared with the reference and with a 1x1 F.conv2d.  Known mistakes
(hinted): the bias missing, the spatial size changed, the output channels of
the input kept (n_C_prev instead of n_C).
"""
import numpy as np
import pytest

import _inside_cases as C
from autograder.checks import Hint, expect_close, expect_computed, expect_shape, expect_unchanged

FUNC = "pointwise_conv"
title = C.titler(FUNC)
WHAT = ("Z returned by pointwise_conv", "pointwise_conv가 반환한 Z")
WHAT_TORCH = ("Z (compared with a 1x1 PyTorch F.conv2d)", "Z (1x1 PyTorch F.conv2d와 비교)")


def hints(A, W, b):
    m, H, Wd, n_C_prev = A.shape
    channels = [] if W.shape[3] == n_C_prev else [
        Hint.shape((m, H, Wd, n_C_prev), "The output has n_C = W.shape[3] channels, one per 1x1 filter.",
                   "출력 채널 수는 1x1 필터 개수 n_C = W.shape[3]입니다.")]
    return channels + [Hint.close_to(C.torch_pointwise(A, W, b) - b.reshape(1, 1, 1, -1), "The bias b is missing.",
                          "편향 b가 빠졌습니다.")]


@pytest.mark.parametrize("shape, n_C, dtype", [
    pytest.param((2, 3, 4, 3), 5, np.float64, id="expand", marks=title("3 -> 5 channels, non-square",
                                                                       "채널 3 -> 5, 정사각형 아님")),
    pytest.param((1, 5, 5, 8), 2, np.float64, id="reduce", marks=title("8 -> 2 channels (a bottleneck)",
                                                                       "채널 8 -> 2 (병목)")),
    pytest.param((2, 4, 3, 4), 4, np.float32, id="f32", marks=title("float32, 4 -> 4", "float32, 4 -> 4")),
])
def test_values(student, ref, tol, rng, shape, n_C, dtype):
    A, W, b = C.randn(rng, shape, dtype), C.randn(rng, (1, 1, shape[3], n_C), dtype), C.randn(rng, (1, 1, 1, n_C), dtype)
    inputs = {"A": A, "W": W, "b": b}
    got = student(A, W, b)
    expect_shape(got, shape[:3] + (n_C,), what=WHAT, inputs=inputs, hints=hints(A, W, b))
    float32 = (dtype == np.float32) or None
    expect_close(got, ref.pointwise_conv(A, W, b), what=WHAT, inputs=inputs, tol=tol, hints=hints(A, W, b),
                 float32=float32)
    expect_close(got, C.torch_pointwise(A, W, b), what=WHAT_TORCH, inputs=inputs, tol=tol, float32=float32)


@title("does not modify its inputs", "입력을 변경하지 않음")
def test_inputs_unchanged(student, rng):
    A, W, b = C.randn(rng, (1, 2, 3, 3)), C.randn(rng, (1, 1, 3, 2)), C.randn(rng, (1, 1, 1, 2))
    inputs = {"A": A, "W": W, "b": b}
    res = student.call_full(A, W, b)
    for name, before, after in zip(("A", "W", "b"), (A, W, b), res.args_after):
        expect_unchanged(before, after, name, func=FUNC, inputs=inputs)
    expect_computed(res.value, func=FUNC, inputs=inputs)
