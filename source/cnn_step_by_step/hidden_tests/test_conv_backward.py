"""Hidden tests: conv_backward(dZ, cache) -> (dA_prev, dW, db).

During these tests the student's calls to zero_pad are answered by the
reference version.  dA_prev, dW and db are compared with the reference and
with PyTorch autograd through F.conv2d (loss = sum(Z * dZ)); one test
compares them with central finite differences of the reference forward pass
(exact up to rounding: the loss is linear in each argument).  float32 inputs
may give float32 or float64 gradients (float32 tolerance).

The value tests accept a db of any shape with n_C elements (it is compared
after reshaping); "db has the shape of b" is a test of its own, so a wrong
db shape costs that test only.  dA_prev and dW must have exactly the shapes
of A_prev and W.

Known mistakes caught: `=` instead of `+=` for dA_prev (overlapping windows:
stride < f) or for dW/db (only the last position/example kept), `[pad:-pad]`
unpadding (empty at pad == 0: raises or gives an empty array), the padded
gradient returned, stride missing, db of shape (n_C,), dW averaged over the
batch, dZ not multiplied in, wrong filter index, modifying the inputs.
"""
import numpy as np
import pytest

import _cases
from autograder.checks import (Hint, expect_close, expect_dtype_floating, expect_shape, expect_tuple,
                               expect_unchanged, expect_computed)

FUNC = "conv_backward"
WHAT_RESULT = ("the value returned by conv_backward", "conv_backward의 반환값")
WHAT = {
    "dA_prev": ("dA_prev returned by conv_backward", "conv_backward가 반환한 dA_prev"),
    "dW": ("dW returned by conv_backward", "conv_backward가 반환한 dW"),
    "db": ("db returned by conv_backward", "conv_backward가 반환한 db"),
}
FD_TOL = {"float64": (1e-6, 1e-7), "float32": (1e-4, 1e-5)}   # finite differences


def title(en, ko):
    return pytest.mark.title(en=f"{FUNC}: {en}", ko=f"{FUNC}: {ko}")


def _make(rng, m, H, Wd, C_prev, f, C, stride, pad, dtype):
    A = _cases.randn(rng, (m, H, Wd, C_prev), dtype)
    W = _cases.randn(rng, (f, f, C_prev, C), dtype)
    b = _cases.randn(rng, (1, 1, 1, C), dtype)
    dZ = _cases.randn(rng, (m, _cases.out_size(H, f, pad, stride), _cases.out_size(Wd, f, pad, stride), C), dtype)
    return A, W, b, dZ


def _hints(A, W, b, hp, dZ):
    """Hints per returned value, from models of the known mistakes."""
    stride, pad = hp["stride"], hp["pad"]
    m, H, Wd, C_prev = A.shape
    C = W.shape[3]
    dA_r, dW_r, db_r = _cases.conv_backward_np(A, W, b, stride, pad, dZ)
    dA_assign, _, _ = _cases.conv_backward_np(A, W, b, stride, pad, dZ, assign=True)
    _, dW_assign, db_assign = _cases.conv_backward_np(A, W, b, stride, pad, dZ, dW_assign=True)
    hints = {"dA_prev": [], "dW": [], "db": []}

    def add(key, value, en, ko):
        right = {"dA_prev": dA_r, "dW": dW_r, "db": db_r}[key]
        if value.shape == right.shape and not np.allclose(value, right):
            hints[key].append(Hint.close_to(value, en, ko))

    add("dA_prev", dA_assign,
        "This is what you get with `=` instead of `+=`: every filter c and every window (they overlap when "
        "stride < f) must add its share to dA_prev.",
        "`+=` 대신 `=`를 쓰면 이 결과가 나옵니다: 모든 필터 c와 모든 창(stride < f이면 창이 겹칩니다)이 "
        "dA_prev에 자기 몫을 더해야 합니다.")
    add("dW", dW_assign,
        "Only the last window's contribution is left in dW: accumulate with `+=` over all examples and positions.",
        "dW에 마지막 창의 기여만 남았습니다: 모든 예제와 위치에 대해 `+=`로 누적하세요.")
    add("db", db_assign,
        "Only the last dZ value is left in db: accumulate with `+=` over all examples and positions.",
        "db에 마지막 dZ 값만 남았습니다: 모든 예제와 위치에 대해 `+=`로 누적하세요.")
    add("dW", dW_r / m, "dW is divided by m: the gradient is the plain sum over the batch.",
        "dW를 m으로 나눴습니다: 기울기는 배치에 대한 단순 합입니다.")
    add("db", db_r / m, "db is divided by m: the gradient is the plain sum over the batch.",
        "db를 m으로 나눴습니다: 기울기는 배치에 대한 단순 합입니다.")
    if stride > 1:
        # windows placed at h, w instead of h*stride, w*stride (no window may leave the padded input)
        Hp, Wp = H + 2 * pad, Wd + 2 * pad
        f = W.shape[0]
        if dZ.shape[1] - 1 + f <= Hp and dZ.shape[2] - 1 + f <= Wp:
            nostride = _cases.conv_backward_np(A, W, b, 1, pad, dZ)
            for key, value in zip(("dA_prev", "dW"), nostride[:2]):
                add(key, value, "The windows move by 1 instead of by the stride: vert_start = h * stride.",
                    "창이 stride가 아니라 1칸씩 움직입니다: vert_start = h * stride.")
    padded = (m, H + 2 * pad, Wd + 2 * pad, C_prev)
    if pad:
        hints["dA_prev"].append(Hint.shape(
            padded, "dA_prev still has the padding: remove it with da_prev_pad[pad:pad + n_H_prev, pad:pad + n_W_prev, :].",
            "dA_prev에 패딩이 남아 있습니다: da_prev_pad[pad:pad + n_H_prev, pad:pad + n_W_prev, :]로 제거하세요."))
    else:
        hints["dA_prev"].append(Hint(
            lambda g: type(g) is np.ndarray and g.size == 0,
            "dA_prev is empty: with pad == 0, [pad:-pad] is [0:0], an empty slice. Slice with explicit ends: "
            "[pad:pad + n_H_prev, pad:pad + n_W_prev].",
            "dA_prev가 비어 있습니다: pad == 0이면 [pad:-pad]는 빈 구간 [0:0]입니다. 끝을 명시해 자르세요: "
            "[pad:pad + n_H_prev, pad:pad + n_W_prev]."))
    hints["dA_prev"] += _cases.swapped_hw_hint(A.shape)
    hints["db"].append(Hint(lambda g: type(g) is np.ndarray and g.shape != (1, 1, 1, C) and g.size == C,
                            f"db must have the shape of b, (1, 1, 1, {C}): sum with keepdims=True or reshape.",
                            f"db의 모양은 b와 같은 (1, 1, 1, {C})여야 합니다: keepdims=True로 합하거나 reshape하세요."))
    return hints


def _inputs(dZ, cache):
    A, W, b, hp = cache
    return {"dZ": dZ, "cache[0] (A_prev)": A, "cache[1] (W)": W, "cache[2] (b)": b, "cache[3] (hparameters)": hp}


def _unpack(got, inputs):
    return expect_tuple(got, 3, what=WHAT_RESULT, names="(dA_prev, dW, db)", inputs=inputs)


def _db_values(db, n_C):
    """db as (1, 1, 1, n_C) if it has n_C elements (its exact shape is checked in test_db_shape)."""
    if type(db) is np.ndarray and db.size == n_C and db.dtype.kind in "biuf":
        return db.reshape(1, 1, 1, n_C)
    return db


def _check(grads, expected, what_suffix, A, W, tol, hints, inputs, float32):
    dA_prev, dW, db = grads
    C = W.shape[3]
    exp_dA, exp_dW, exp_db = expected
    for key, got, exp, shape in (("dA_prev", dA_prev, exp_dA, A.shape), ("dW", dW, exp_dW, W.shape)):
        what = (WHAT[key][0] + what_suffix[0], WHAT[key][1] + what_suffix[1])
        expect_shape(got, shape, what=what, inputs=inputs, hints=hints[key])
        expect_dtype_floating(got, what=what, inputs=inputs)
        expect_close(got, exp, what=what, inputs=inputs, tol=tol, hints=hints[key], float32=float32)
    what = (WHAT["db"][0] + what_suffix[0], WHAT["db"][1] + what_suffix[1])
    expect_close(_db_values(db, C), np.asarray(exp_db).reshape(1, 1, 1, C), what=what, inputs=inputs, tol=tol,
                 hints=hints["db"], float32=float32)


def _run_and_check(student, ref, tol, A, W, b, hp, dZ):
    cache = (A, W, b, hp)
    inputs = _inputs(dZ, cache)
    grads = _unpack(student(dZ, cache), inputs)
    hints = _hints(A, W, b, hp, dZ)
    float32 = (A.dtype == np.float32) or None   # float32 inputs: float32 tolerance; else by dtype
    _check(grads, ref.conv_backward(dZ, (A, W, b, dict(hp))), ("", ""), A, W, tol, hints, inputs, float32)
    _check(grads, _cases.torch_conv_backward(A, W, b, hp["stride"], hp["pad"], dZ),
           (" (compared with PyTorch autograd)", " (PyTorch autograd와 비교)"), A, W, tol, hints, inputs, float32)


#          m, n_H, n_W, n_C_prev, f, n_C, stride, pad, dtype
CASES = [
    pytest.param((2, 4, 4, 3, 3, 2, 1, 1, np.float64), id="s1p1",
                 marks=title("stride 1, pad 1 (overlapping windows)", "스트라이드 1, 패딩 1 (겹치는 창)")),
    pytest.param((2, 5, 7, 2, 3, 3, 2, 0, np.float64), id="s2p0",
                 marks=title("stride 2, pad 0, non-square", "스트라이드 2, 패딩 0, 정사각형 아님")),
    pytest.param((1, 6, 5, 2, 2, 2, 2, 1, np.float64), id="nooverlap",
                 marks=title("non-overlapping windows (f = stride = 2), pad 1",
                             "겹치지 않는 창 (f = stride = 2), 패딩 1")),
    pytest.param((2, 3, 5, 2, 1, 3, 1, 0, np.float64), id="f1",
                 marks=title("1x1 filters, pad 0", "1x1 필터, 패딩 0")),
    pytest.param((1, 8, 7, 1, 3, 2, 3, 2, np.float64), id="floor",
                 marks=title("stride 3 does not divide the size, pad 2, one input channel",
                             "크기가 스트라이드 3으로 나누어떨어지지 않음, 패딩 2, 입력 채널 1개")),
    pytest.param((2, 5, 4, 3, 3, 2, 2, 1, np.float32), id="float32",
                 marks=title("float32 inputs, stride 2, pad 1", "float32 입력, 스트라이드 2, 패딩 1")),
]


@pytest.mark.parametrize("case", CASES)
def test_values(student, ref, tol, rng, case):
    m, H, Wd, C_prev, f, C, stride, pad, dtype = case
    A, W, b, dZ = _make(rng, m, H, Wd, C_prev, f, C, stride, pad, dtype)
    _run_and_check(student, ref, tol, A, W, b, {"stride": stride, "pad": pad}, dZ)


@title("numerical gradient check (finite differences)", "수치 기울기 검사 (유한 차분)")
@pytest.mark.weight(2)
def test_numerical_gradient(student, ref, rng):
    A, W, b, dZ = _make(rng, 2, 4, 5, 2, 3, 2, 2, 1, np.float64)
    hp = {"stride": 2, "pad": 1}
    cache = (A, W, b, hp)
    inputs = _inputs(dZ, cache)
    grads = _unpack(student(dZ, cache), inputs)

    expected = _cases.conv_fd_gradients(ref.conv_forward, A, W, b, hp, dZ)
    _check(grads, expected, (" (compared with finite differences of the forward pass)",
                             " (순전파의 유한 차분과 비교)"), A, W, FD_TOL, _hints(A, W, b, hp, dZ), inputs, None)


@title("db has the shape of b, (1, 1, 1, n_C)", "db의 모양은 b와 같은 (1, 1, 1, n_C)")
def test_db_shape(student, rng):
    """Only db's shape (pad 1: a pad == 0 mistake has the value tests of pad 0 to show it)."""
    A, W, b, dZ = _make(rng, 2, 4, 4, 2, 2, 3, 2, 1, np.float64)
    cache = (A, W, b, {"stride": 2, "pad": 1})
    inputs = _inputs(dZ, cache)
    _, _, db = _unpack(student(dZ, cache), inputs)
    expect_shape(db, b.shape, what=WHAT["db"], inputs=inputs,
                 hints=[Hint(lambda g: type(g) is np.ndarray and g.size == 3,
                             "db must have the shape of b, (1, 1, 1, n_C): sum over axes (0, 1, 2) with "
                             "keepdims=True, or reshape(1, 1, 1, n_C).",
                             "db의 모양은 b와 같은 (1, 1, 1, n_C)여야 합니다: 축 (0, 1, 2)에 대해 keepdims=True로 "
                             "합하거나 reshape(1, 1, 1, n_C)하세요.")])


@title("does not modify dZ or the cache", "dZ와 캐시를 변경하지 않음")
def test_inputs_unchanged(student, rng):
    """Compares the arguments before and after the call, nothing else (the values have tests of their own)."""
    A, W, b, dZ = _make(rng, 2, 5, 4, 2, 3, 2, 2, 1, np.float64)
    hp = {"stride": 2, "pad": 1}
    cache = (A, W, b, hp)
    inputs = _inputs(dZ, cache)
    res = student.call_full(dZ, cache)
    expect_unchanged(dZ, res.args_after[0], "dZ", func=FUNC, inputs=inputs)
    expect_unchanged(cache, res.args_after[1], "cache", func=FUNC, inputs=inputs)
    expect_computed(res.value, func=FUNC, inputs=inputs)
