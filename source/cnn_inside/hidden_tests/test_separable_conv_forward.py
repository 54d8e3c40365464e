"""Hidden tests: separable_conv_forward(A_prev, W_dw, b_dw, W_pw, b_pw, hparameters) -> Z.

During these tests the student's calls to depthwise_conv_forward and
pointwise_conv are answered by the reference versions (grading.yml
`helpers`), so only the composition is graded here.  Compared with the
reference and with PyTorch (grouped conv, then 1x1 conv).  Known mistakes
(hinted): returning the depthwise result only, the steps in the wrong order
(the pointwise step first), returning the (Z, cache) pair of the depthwise
step unpacked wrongly.
"""
import numpy as np
import pytest

import _inside_cases as C
from autograder.checks import Hint, expect_close, expect_shape

FUNC = "separable_conv_forward"
title = C.titler(FUNC)
WHAT = ("Z returned by separable_conv_forward", "separable_conv_forward가 반환한 Z")
WHAT_TORCH = ("Z (compared with PyTorch: grouped conv, then 1x1 conv)", "Z (PyTorch 그룹 합성곱 다음 1x1 합성곱과 비교)")


@pytest.mark.parametrize("shape, f, n_C, stride, pad", [
    pytest.param((2, 5, 4, 3), 3, 4, 1, 1, id="s1p1", marks=title("3 -> 4 channels, stride 1, pad 1",
                                                                  "채널 3 -> 4, 스트라이드 1, 패딩 1")),
    pytest.param((1, 7, 6, 2), 3, 5, 2, 0, id="s2", marks=title("2 -> 5 channels, stride 2, non-square",
                                                                "채널 2 -> 5, 스트라이드 2, 정사각형 아님")),
])
def test_values(student, ref, tol, rng, shape, f, n_C, stride, pad):
    n_C_prev = shape[3]
    A, W_dw, b_dw = C.randn(rng, shape), C.randn(rng, (f, f, n_C_prev)), C.randn(rng, (1, 1, 1, n_C_prev))
    W_pw, b_pw = C.randn(rng, (1, 1, n_C_prev, n_C)), C.randn(rng, (1, 1, 1, n_C))
    hp = {"stride": stride, "pad": pad}
    inputs = {"A_prev": A, "W_dw": W_dw, "b_dw": b_dw, "W_pw": W_pw, "b_pw": b_pw, "hparameters": hp}
    got = student(A, W_dw, b_dw, W_pw, b_pw, hp)
    depthwise = C.torch_depthwise(A, W_dw, b_dw, stride, pad)
    expected = C.torch_pointwise(depthwise, W_pw, b_pw)
    hints = [Hint.close_to(depthwise, "This is the depthwise result only: apply pointwise_conv to it.",
                           "깊이별 결과일 뿐입니다. 그 결과에 pointwise_conv를 적용하세요."),
             Hint(lambda g: type(g) in (tuple, list), "Return Z only; depthwise_conv_forward returns (Z, cache): "
                  "unpack it, A_dw, _ = depthwise_conv_forward(...).",
                  "Z만 반환하세요. depthwise_conv_forward는 (Z, cache)를 반환하니 A_dw, _ = ...로 꺼내세요.")]
    expect_shape(got, expected.shape, what=WHAT, inputs=inputs, hints=hints)
    expect_close(got, ref.separable_conv_forward(A, W_dw, b_dw, W_pw, b_pw, dict(hp)), what=WHAT, inputs=inputs,
                 tol=tol, hints=hints)
    expect_close(got, expected, what=WHAT_TORCH, inputs=inputs, tol=tol)
