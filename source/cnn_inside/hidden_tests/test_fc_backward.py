"""Hidden tests: fc_backward(dZ, cache) -> (dA, dW, db).

Each gradient is compared with the reference and with PyTorch autograd of
F.linear, in its own test, so that one wrong gradient costs only its test.
Known mistakes (hinted): db without keepdims (n_out,), db as a mean, dW
transposed (dZ.T @ A), dA = dZ @ W (shape), dividing dW by m.
"""
import numpy as np
import pytest

import _inside_cases as C
from autograder.checks import Hint, expect_close, expect_computed, expect_shape, expect_tuple, expect_unchanged

FUNC = "fc_backward"
title = C.titler(FUNC)
WHAT_RESULT = ("the value returned by fc_backward", "fc_backward의 반환값")
NAMES = ("dA", "dW", "db")


def _inputs(rng, m=4, n_in=5, n_out=3):
    A, W, b = C.randn(rng, (m, n_in)), C.randn(rng, (n_in, n_out)), C.randn(rng, (1, n_out))
    return C.randn(rng, (m, n_out)), (A, W, b)


def _hints(dZ, cache):
    A, W, _ = cache
    m = dZ.shape[0]
    return {"dA": [Hint.shape((m, W.shape[1]), "dA has the shape of A, (m, n_in): dA = dZ @ W.T.",
                              "dA는 A의 모양 (m, n_in)입니다: dA = dZ @ W.T.")],
            "dW": [Hint.shape(W.shape[::-1], "dW must have the shape of W, (n_in, n_out): dW = A.T @ dZ.",
                              "dW는 W와 같은 모양 (n_in, n_out)이어야 합니다: dW = A.T @ dZ."),
                   Hint.close_to(A.T @ dZ / m, "dW is not divided by m (the 1/m of the loss is already in dZ).",
                                 "dW를 m으로 나누지 않습니다(손실의 1/m은 이미 dZ에 있습니다).")],
            "db": [Hint.shape((dZ.shape[1],), "db must keep the shape (1, n_out) of b: dZ.sum(axis=0, keepdims=True).",
                              "db는 b의 모양 (1, n_out)을 유지해야 합니다: dZ.sum(axis=0, keepdims=True)."),
                   Hint.close_to(dZ.mean(axis=0, keepdims=True), "db is the sum over the examples, not the mean.",
                                 "db는 예제에 대한 평균이 아니라 합입니다.")]}


def _one(student, ref, tol, rng, k, **sizes):
    dZ, cache = _inputs(rng, **sizes)
    inputs = {"dZ": dZ, "cache": cache}
    got = expect_tuple(student(dZ, cache), 3, what=WHAT_RESULT, names="(dA, dW, db)", inputs=inputs)[k]
    name = NAMES[k]
    expected = ref.fc_backward(dZ, cache)[k]
    what = (f"{name} returned by fc_backward", f"fc_backward가 반환한 {name}")
    hints = _hints(dZ, cache)[name]
    expect_shape(got, expected.shape, what=what, inputs=inputs, hints=hints)
    expect_close(got, expected, what=what, inputs=inputs, tol=tol, hints=hints)
    expect_close(got, C.torch_fc_backward(*cache, dZ)[k],
                 what=(f"{name} (compared with PyTorch autograd)", f"{name} (PyTorch autograd와 비교)"),
                 inputs=inputs, tol=tol, hints=hints)


@title("dA", "dA")
@pytest.mark.weight(2)
def test_dA(student, ref, tol, rng):
    _one(student, ref, tol, rng, 0)


@title("dW", "dW")
@pytest.mark.weight(2)
def test_dW(student, ref, tol, rng):
    _one(student, ref, tol, rng, 1)


@title("db", "db")
@pytest.mark.weight(2)
def test_db_shape(student, ref, tol, rng):
    _one(student, ref, tol, rng, 2)


@title("a wide layer: 2 examples, 64 -> 10", "넓은 층: 예제 2개, 64 -> 10")
def test_wide(student, ref, tol, rng):
    for k in range(3):
        _one(student, ref, tol, rng, k, m=2, n_in=64, n_out=10)


@title("does not modify its inputs", "입력을 변경하지 않음")
def test_inputs_unchanged(student, rng):
    dZ, cache = _inputs(rng)
    inputs = {"dZ": dZ, "cache": cache}
    res = student.call_full(dZ, cache)
    for name, before, after in zip(("dZ", "cache"), (dZ, cache), res.args_after):
        expect_unchanged(before, after, name, func=FUNC, inputs=inputs)
    expect_computed(res.value, func=FUNC, inputs=inputs)
