"""Hidden tests: relu_backward(dA, Z) -> dZ.

Compared with the reference and with PyTorch autograd of F.relu.  At exactly
Z == 0 the derivative is undefined: the lecture's 1 (z >= 0) and PyTorch's 0
are both accepted there (test_at_zero); elsewhere the inputs keep away from 0.

Known mistakes (hinted): returning the mask without dA, the mask inverted
(Z < 0), the mask taken from dA, modifying dA in place.
"""
import numpy as np
import pytest

import _inside_cases as C
from autograder.checks import Hint, expect_close, expect_computed, expect_shape, expect_unchanged, fail

FUNC = "relu_backward"
title = C.titler(FUNC)
WHAT = ("dZ returned by relu_backward", "relu_backward가 반환한 dZ")
WHAT_TORCH = ("dZ (compared with PyTorch autograd of F.relu)", "dZ (PyTorch F.relu의 autograd와 비교)")
LECTURE_Z = np.array([[9., 3, 5, -8], [-6, 2, -3, 1], [1, 3, 4, 1], [3, -4, 5, 1]])


def hints(dA, Z):
    return [Hint.close_to((Z > 0).astype(float), "This is only ReLU's derivative (1 or 0): multiply it by dA.",
                          "ReLU의 도함수(1 또는 0)일 뿐입니다. dA를 곱하세요."),
            Hint.close_to(dA * (Z < 0), "The gradient passes where Z > 0 (the unit was active), not where Z < 0.",
                          "기울기는 Z < 0이 아니라 Z > 0인 곳(유닛이 활성화된 곳)에서 통과합니다."),
            Hint.close_to(np.maximum(dA, 0), "The mask comes from Z, the forward input, not from dA: dA * (Z > 0).",
                          "마스크는 dA가 아니라 순전파 입력 Z에서 나옵니다: dA * (Z > 0).")]


def _check(student, ref, tol, dA, Z):
    inputs = {"dA": dA, "Z": Z}
    got = student(dA, Z)
    expect_shape(got, dA.shape, what=WHAT, inputs=inputs)
    expect_close(got, ref.relu_backward(dA, Z), what=WHAT, inputs=inputs, tol=tol, hints=hints(dA, Z))
    expect_close(got, C.torch_act_grad(dA, Z, "relu"), what=WHAT_TORCH, inputs=inputs, tol=tol)


@pytest.mark.parametrize("shape, dtype", [
    pytest.param((3, 4, 5), np.float64, id="3d", marks=title("random (3, 4, 5)", "무작위 (3, 4, 5)")),
    pytest.param((2, 3, 4, 5), np.float32, id="f32", marks=title("float32 batch (2, 3, 4, 5)",
                                                                  "float32 배치 (2, 3, 4, 5)")),
    pytest.param((6,), np.float64, id="1d", marks=title("a vector", "벡터")),
])
def test_values(student, ref, tol, rng, shape, dtype):
    _check(student, ref, tol, C.randn(rng, shape, dtype), C.nonzero(rng, shape, dtype))


@title("lecture example: the 4x4 feature map", "강의 예제: 4x4 특성 맵")
def test_lecture_example(student, ref, tol, rng):
    _check(student, ref, tol, C.randn(rng, (4, 4)), LECTURE_Z.copy())


@title("at Z == 0 either convention (1 or 0) is accepted", "Z == 0에서는 두 관례(1 또는 0) 모두 인정")
def test_at_zero(student, rng):
    Z = C.nonzero(rng, (3, 5))
    Z[rng.random(Z.shape) < 0.4] = 0.0
    dA = C.randn(rng, Z.shape)
    inputs = {"dA": dA, "Z": Z}
    got = expect_shape(student(dA, Z), Z.shape, what=WHAT, inputs=inputs)
    at_zero = Z == 0
    ok = np.where(at_zero, np.isclose(got, dA) | np.isclose(got, 0.0), np.isclose(got, dA * (Z > 0)))
    if not ok.all():
        fail("dZ is wrong (at Z == 0 either dA or 0 is accepted; elsewhere dA where Z > 0, else 0).",
             "dZ가 틀렸습니다(Z == 0에서는 dA나 0 모두 인정, 그 외에는 Z > 0이면 dA, 아니면 0).",
             inputs=inputs, got=got, hints=hints(dA, Z))


@title("does not modify its inputs", "입력을 변경하지 않음")
def test_inputs_unchanged(student, rng):
    dA, Z = C.randn(rng, (3, 4)), C.nonzero(rng, (3, 4))
    res = student.call_full(dA, Z)
    for name, before, after in zip(("dA", "Z"), (dA, Z), res.args_after):
        expect_unchanged(before, after, name, func=FUNC, inputs={"dA": dA, "Z": Z})
    expect_computed(res.value, func=FUNC, inputs={"dA": dA, "Z": Z})
