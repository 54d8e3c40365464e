"""Hidden tests: softmax_cross_entropy(Z, Y) -> (loss, dZ).

The student's calls to softmax are answered by the reference (grading.yml
`helpers`).  loss and dZ are compared with the reference and with
F.cross_entropy + autograd, in separate tests.  Known mistakes (hinted): the
sum instead of the mean, dZ not divided by m, log(softmax(Z)) (inf for large
score gaps), one-hot subtracted at the wrong place, loss not a float.
"""
import numpy as np
import pytest

import _inside_cases as C
from autograder.checks import Hint, expect_close, expect_scalar, expect_shape, expect_tuple, fail

FUNC = "softmax_cross_entropy"
title = C.titler(FUNC)
WHAT_RESULT = ("the value returned by softmax_cross_entropy", "softmax_cross_entropy의 반환값")
WHAT_LOSS = ("the loss returned by softmax_cross_entropy", "softmax_cross_entropy가 반환한 손실")
WHAT_DZ = ("dZ returned by softmax_cross_entropy", "softmax_cross_entropy가 반환한 dZ")


def _inputs(rng, m=5, n=4, scale=2.0):
    return C.randn(rng, (m, n)) * scale, rng.integers(0, n, m)


def _loss_hints(Z, Y):
    loss, _ = C.torch_cross_entropy(Z, Y)
    return [Hint.close_to(loss * Z.shape[0], "The loss is the mean over the examples, not the sum.",
                          "손실은 예제에 대한 합이 아니라 평균입니다."),
            Hint(lambda g: C.number(g) is not None and not np.isfinite(C.number(g)),
                 "log(softmax(Z)) is -inf once a probability underflows to 0: compute the log-probabilities as "
                 "(Z - max) - log(sum(exp(Z - max))).",
                 "확률이 0으로 언더플로되면 log(softmax(Z))는 -inf입니다. 로그 확률을 (Z - max) - "
                 "log(sum(exp(Z - max)))로 계산하세요.")]


def _dz_hints(Z, Y):
    _, dZ = C.torch_cross_entropy(Z, Y)
    return [Hint.close_to(dZ * Z.shape[0], "Divide the gradient by m: the loss is a mean.",
                          "기울기를 m으로 나누세요. 손실이 평균입니다."),
            Hint.close_to(C.torch_softmax(Z) / Z.shape[0], "Subtract 1 at the true class of each example: "
                          "dZ[np.arange(m), Y] -= 1 (before dividing by m).",
                          "각 예제의 정답 클래스에서 1을 빼세요: dZ[np.arange(m), Y] -= 1 (m으로 나누기 전에).")]


def _loss(student, ref, tol, Z, Y):
    inputs = {"Z": Z, "Y": Y}
    loss, _ = expect_tuple(student(Z, Y), 2, what=WHAT_RESULT, names="(loss, dZ)", inputs=inputs)
    hints = _loss_hints(Z, Y)
    value = expect_scalar(loss, what=WHAT_LOSS, inputs=inputs, hints=hints)
    expect_close(value, ref.softmax_cross_entropy(Z, Y)[0], what=WHAT_LOSS, inputs=inputs, tol=tol, hints=hints)
    expect_close(value, C.torch_cross_entropy(Z, Y)[0], what=(WHAT_LOSS[0] + " (compared with F.cross_entropy)",
                 WHAT_LOSS[1] + " (F.cross_entropy와 비교)"), inputs=inputs, tol=tol, hints=hints)


def _dz(student, ref, tol, Z, Y):
    inputs = {"Z": Z, "Y": Y}
    _, dZ = expect_tuple(student(Z, Y), 2, what=WHAT_RESULT, names="(loss, dZ)", inputs=inputs)
    hints = _dz_hints(Z, Y)
    expect_shape(dZ, Z.shape, what=WHAT_DZ, inputs=inputs, hints=hints)
    expect_close(dZ, ref.softmax_cross_entropy(Z, Y)[1], what=WHAT_DZ, inputs=inputs, tol=tol, hints=hints)
    expect_close(dZ, C.torch_cross_entropy(Z, Y)[1], what=(WHAT_DZ[0] + " (compared with PyTorch autograd)",
                 WHAT_DZ[1] + " (PyTorch autograd와 비교)"), inputs=inputs, tol=tol, hints=hints)


@title("lecture scores [2.0, 1.0, 0.1], label 0: the loss", "강의 점수 [2.0, 1.0, 0.1], 레이블 0: 손실")
def test_lecture_loss(student, ref, tol):
    _loss(student, ref, tol, np.array([[2.0, 1.0, 0.1]]), np.array([0]))


@title("the mean loss of a batch", "배치의 평균 손실")
@pytest.mark.weight(2)
def test_loss(student, ref, tol, rng):
    _loss(student, ref, tol, *_inputs(rng))


@title("the gradient dZ of a batch", "배치의 기울기 dZ")
@pytest.mark.weight(2)
def test_gradient(student, ref, tol, rng):
    _dz(student, ref, tol, *_inputs(rng, m=6, n=3))


@title("large score gaps: finite loss and gradient", "점수 차가 클 때: 유한한 손실과 기울기")
@pytest.mark.weight(2)
def test_large_logits(student, ref, tol, rng):
    Z = np.array([[1000.0, 0.0, -1000.0], [5.0, 900.0, -3.0]]) + rng.random((2, 3))
    Y = np.array([2, 0])
    _loss(student, ref, tol, Z, Y)
    _dz(student, ref, tol, Z, Y)


@title("the loss is a Python float", "손실은 파이썬 float")
def test_loss_is_float(student, rng):
    Z, Y = _inputs(rng, m=3)
    loss, _ = expect_tuple(student(Z, Y), 2, what=WHAT_RESULT, names="(loss, dZ)", inputs={"Z": Z, "Y": Y})
    if not (isinstance(loss, (float, np.floating)) or (type(loss) is np.ndarray and loss.shape == ())):
        fail(f"The loss must be a number (a float), got {type(loss).__name__}"
             f"{' of shape ' + str(loss.shape) if type(loss) is np.ndarray else ''}: use float(...) or .mean().",
             f"손실은 숫자(float)여야 하는데 {type(loss).__name__}입니다. float(...)이나 .mean()을 쓰세요.")
