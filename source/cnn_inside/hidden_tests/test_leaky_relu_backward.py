"""Hidden tests: leaky_relu_backward(dA, Z, alpha=0.01) -> dZ.

Compared with the reference and PyTorch autograd of F.leaky_relu, with the
default alpha and with other slopes.  Known mistakes (hinted): the slope
without dA, plain ReLU (0 for Z <= 0), the two slopes swapped, ignoring the
alpha argument (always 0.01).
"""
import numpy as np
import pytest

import _inside_cases as C
from autograder.checks import Hint, expect_close, expect_computed, expect_shape, expect_unchanged

FUNC = "leaky_relu_backward"
title = C.titler(FUNC)
WHAT = ("dZ returned by leaky_relu_backward", "leaky_relu_backward가 반환한 dZ")
WHAT_TORCH = ("dZ (compared with PyTorch autograd of F.leaky_relu)", "dZ (PyTorch F.leaky_relu의 autograd와 비교)")


def hints(dA, Z, alpha):
    return [Hint.close_to(np.where(Z > 0, 1.0, alpha), "This is only the slope (1 or alpha): multiply it by dA.",
                          "기울기(1 또는 alpha)일 뿐입니다. dA를 곱하세요."),
            Hint.close_to(dA * (Z > 0), "For Z <= 0 the gradient is alpha * dA, not 0 (that is plain ReLU).",
                          "Z <= 0에서 기울기는 0이 아니라 alpha * dA입니다(0이면 그냥 ReLU)."),
            Hint.close_to(np.where(Z > 0, alpha * dA, dA), "The slope is 1 where Z > 0 and alpha elsewhere.",
                          "기울기는 Z > 0에서 1, 나머지에서 alpha입니다."),
            Hint.close_to(np.where(Z > 0, dA, 0.01 * dA), "The alpha argument is ignored: use the alpha given.",
                          "alpha 인자를 무시했습니다. 주어진 alpha를 쓰세요.")]


def _check(student, ref, tol, dA, Z, alpha=None):
    inputs = {"dA": dA, "Z": Z, **({} if alpha is None else {"alpha": alpha})}
    got = student(dA, Z) if alpha is None else student(dA, Z, alpha)
    a = 0.01 if alpha is None else alpha
    expect_shape(got, dA.shape, what=WHAT, inputs=inputs)
    expect_close(got, ref.leaky_relu_backward(dA, Z, a), what=WHAT, inputs=inputs, tol=tol, hints=hints(dA, Z, a))
    expect_close(got, C.torch_act_grad(dA, Z, "leaky", a), what=WHAT_TORCH, inputs=inputs, tol=tol)


@pytest.mark.parametrize("shape, dtype, alpha", [
    pytest.param((3, 4, 5), np.float64, None, id="default", marks=title("default alpha 0.01", "기본 alpha 0.01")),
    pytest.param((2, 3, 4, 2), np.float64, 0.2, id="alpha02", marks=title("alpha = 0.2", "alpha = 0.2")),
    pytest.param((2, 5), np.float32, 0.1, id="f32", marks=title("float32, alpha = 0.1", "float32, alpha = 0.1")),
])
def test_values(student, ref, tol, rng, shape, dtype, alpha):
    _check(student, ref, tol, C.randn(rng, shape, dtype), C.nonzero(rng, shape, dtype), alpha)


@title("does not modify its inputs", "입력을 변경하지 않음")
def test_inputs_unchanged(student, rng):
    dA, Z = C.randn(rng, (3, 4)), C.nonzero(rng, (3, 4))
    res = student.call_full(dA, Z, 0.1)
    for name, before, after in zip(("dA", "Z"), (dA, Z), res.args_after):
        expect_unchanged(before, after, name, func=FUNC, inputs={"dA": dA, "Z": Z, "alpha": 0.1})
    expect_computed(res.value, func=FUNC, inputs={"dA": dA, "Z": Z, "alpha": 0.1})
