"""Hidden tests: conv_single_step(a_slice_prev, W, b) -> sum(a_slice_prev * W) + b as a scalar.

What counts as a scalar: a Python int/float, a numpy integer/floating scalar
(np.float64, np.float32, ...) or a 0-d numpy array.  An array with ndim >= 1
is not, even with one element: returning `np.sum(a * W) + b` gives a
(1, 1, 1) array, which loses the "returns a scalar" test only (the value
tests compare its single element).  float32 inputs may give a float32 or a
float64 result; the float32 tolerance is used.  Compared with the reference
and with F.conv2d on the single window.  Known mistakes caught: bias inside
the sum (added f*f*n_C_prev times), bias forgotten or subtracted, mean
instead of sum, (1, 1, 1) result, no sum at all, modifying the inputs.
`float(b)` raises TypeError on NumPy 2.4; the engine reports the exception
and explains it (autograder.feedback.explainers, "float-of-array").
"""
import numpy as np
import pytest

import _cases
from autograder.checks import Hint, expect_close, expect_computed, expect_scalar, expect_unchanged

FUNC = "conv_single_step"
WHAT = ("Z returned by conv_single_step", "conv_single_step가 반환한 Z")


def title(en, ko):
    return pytest.mark.title(en=f"{FUNC}: {en}", ko=f"{FUNC}: {ko}")


def _inputs(rng, f, c, dtype, bias=None):
    a = _cases.randn(rng, (f, f, c), dtype)
    W = _cases.randn(rng, (f, f, c), dtype)
    b = (_cases.randn(rng, (1, 1, 1), dtype) if bias is None
         else np.full((1, 1, 1), bias, dtype=dtype))
    return a, W, b


def _value_hints(a, W, b):
    a, W, bb = a.astype(np.float64), W.astype(np.float64), float(b.reshape(()))
    s = float(np.sum(a * W))
    n = a.size
    mistakes = [
        (s + n * bb, "This is what you get if the bias is added inside the sum, np.sum(a_slice_prev * W + b): "
                     "it is then added f*f*n_C_prev times. Add b once, after the sum.",
         "np.sum(a_slice_prev * W + b)처럼 합 안에서 편향을 더하면 이 값이 나옵니다: 편향이 f*f*n_C_prev번 "
         "더해집니다. 합을 구한 뒤 b를 한 번만 더하세요."),
        (s, "The bias b is missing: Z = sum(a_slice_prev * W) + b.",
         "편향 b가 빠졌습니다: Z = sum(a_slice_prev * W) + b."),
        (s - bb, "The bias is subtracted; it must be added.", "편향을 뺐습니다; 더해야 합니다."),
        (float(np.mean(a * W)) + bb, "np.mean was used; the convolution step is a sum (np.sum).",
         "np.mean을 썼습니다; 합성곱 한 단계는 합(np.sum)입니다."),
    ]
    right = s + bb
    return [Hint.close_to(v, en, ko, rtol=1e-6, atol=1e-9) for v, en, ko in mistakes
            if abs(v - right) > 1e-6 * (1 + abs(right))]


CASES = [
    pytest.param(3, 4, np.float64, None, id="f3c4", marks=title("3x3x4 window", "3x3x4 창")),
    pytest.param(1, 1, np.float64, None, id="f1c1", marks=title("1x1x1 window", "1x1x1 창")),
    pytest.param(2, 3, np.float64, 5.0, id="bias_once",
                 marks=title("the bias is added once (b = 5)", "편향은 한 번만 더함 (b = 5)")),
    pytest.param(5, 1, np.float64, -2.5, id="f5c1",
                 marks=title("5x5 window, one channel, negative bias", "5x5 창, 채널 1개, 음수 편향")),
    pytest.param(3, 2, np.float32, None, id="float32", marks=title("float32 inputs", "float32 입력")),
]


@pytest.mark.parametrize("f, c, dtype, bias", CASES)
def test_values(student, ref, tol, rng, f, c, dtype, bias):
    a, W, b = _inputs(rng, f, c, dtype, bias)
    inputs = {"a_slice_prev": a, "W": W, "b": b}
    got = student(a, W, b)
    hints = _value_hints(a, W, b)
    expect_close(got, np.asarray(ref.conv_single_step(a, W, b)), what=WHAT, inputs=inputs, tol=tol,
                 hints=hints, single_as_scalar=True, float32=(dtype == np.float32) or None)
    torch_z = _cases.torch_conv(a[None], W[..., None], b.reshape(1, 1, 1, 1), 1, 0).reshape(())
    expect_close(got, torch_z, what=(WHAT[0] + " (compared with PyTorch F.conv2d)",
                                     WHAT[1] + " (PyTorch F.conv2d와 비교)"),
                 inputs=inputs, tol=tol, hints=hints, single_as_scalar=True, float32=(dtype == np.float32) or None)


@title("returns a scalar, not an array", "배열이 아니라 스칼라를 반환")
def test_returns_scalar(student, rng):
    a, W, b = _inputs(rng, 3, 2, np.float64)
    inputs = {"a_slice_prev": a, "W": W, "b": b}
    got = student(a, W, b)
    hints = [
        Hint(lambda g: type(g) is np.ndarray and g.size == 1 and g.ndim >= 1,
             "Adding b (shape (1, 1, 1)) to a number gives a (1, 1, 1) array. Take the number out of b first: "
             "b.item(), np.squeeze(b) or b[0, 0, 0] (float(b) raises TypeError on NumPy 2.4).",
             "모양이 (1, 1, 1)인 b를 숫자에 더하면 (1, 1, 1) 배열이 됩니다. 먼저 b에서 숫자를 꺼내세요: "
             "b.item(), np.squeeze(b) 또는 b[0, 0, 0] (NumPy 2.4에서 float(b)는 TypeError를 냅니다)."),
        Hint(lambda g: type(g) is np.ndarray and g.shape == a.shape,
             "You returned the element-wise products; sum them with np.sum.",
             "원소별 곱을 그대로 반환했습니다; np.sum으로 모두 더하세요."),
    ]
    expect_scalar(got, what=WHAT, inputs=inputs, hints=hints)   # its value is the value tests' job


@title("does not modify its inputs", "입력을 변경하지 않음")
def test_inputs_unchanged(student, rng):
    """Compares the arguments before and after the call, nothing else (the values have tests of their own)."""
    a, W, b = _inputs(rng, 3, 3, np.float64)
    inputs = {"a_slice_prev": a, "W": W, "b": b}
    res = student.call_full(a, W, b)
    for name, before, after in zip(("a_slice_prev", "W", "b"), (a, W, b), res.args_after):
        expect_unchanged(before, after, name, func=FUNC, inputs=inputs)
    expect_computed(res.value, func=FUNC, inputs=inputs)
