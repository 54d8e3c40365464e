"""Hidden tests: pool_backward(dA, cache, mode="max") -> dA_prev.

During these tests the student's calls to create_mask_from_window and
distribute_value are answered by the reference versions.  dA_prev is
compared with the reference, with PyTorch autograd through F.max_pool2d /
F.avg_pool2d (loss = sum(A * dA)), and, in two tests, with central finite
differences of the reference pool_forward.  A_prev always has pairwise
distinct values (no ties, so PyTorch's single-argmax gradient and the
all-maxima mask agree).  float32 inputs may give float32 or float64
(float32 tolerance).

Known mistakes caught: `=` instead of `+=` (overlapping windows: stride < f),
dz / (f + f) in average mode (f = 3 cases), max and average swapped or mode
ignored, "max" not the default, stride missing, mask taken over all
channels, mask not multiplied by dA, swapped height/width, leftover rows
(floor case) given gradient, modifying the inputs.
"""
import numpy as np
import pytest

import _cases
from autograder.checks import Hint, expect_close, expect_dtype_floating, expect_shape, expect_unchanged, expect_computed

FUNC = "pool_backward"
WHAT = ("dA_prev returned by pool_backward", "pool_backward가 반환한 dA_prev")
FD_TOL = {"float64": (1e-6, 1e-7), "float32": (1e-4, 1e-5)}


def title(en, ko):
    return pytest.mark.title(en=f"{FUNC}: {en}", ko=f"{FUNC}: {ko}")


def _make(rng, m, H, Wd, C, f, stride, dtype):
    A_prev = _cases.distinct(rng, (m, H, Wd, C), dtype)
    dA = _cases.randn(rng, (m, _cases.out_size(H, f, 0, stride), _cases.out_size(Wd, f, 0, stride), C), dtype)
    return A_prev, dA


def _hints(A_prev, f, stride, mode, dA):
    right = _cases.pool_backward_np(A_prev, f, stride, mode, dA)
    other = "average" if mode == "max" else "max"
    candidates = [
        (_cases.pool_backward_np(A_prev, f, stride, mode, dA, assign=True),
         "This is what you get with `=` instead of `+=`: where windows overlap (stride < f), every window "
         "must add its share to dA_prev.",
         "`+=` 대신 `=`를 쓰면 이 결과가 나옵니다: 창이 겹치는 곳(stride < f)에서는 모든 창이 dA_prev에 "
         "자기 몫을 더해야 합니다."),
        (_cases.pool_backward_np(A_prev, f, stride, other, dA),
         f"This is the gradient of {other} pooling, but mode={mode!r} was asked: check how you use `mode`.",
         f"이것은 {other} 풀링의 기울기인데 mode={mode!r}가 요청되었습니다: `mode`를 어떻게 쓰는지 확인하세요."),
        (_cases.pool_backward_np(A_prev, f, stride, mode, dA, pos_stride=1),
         "The windows move by 1 instead of by the stride: vert_start = h * stride, horiz_start = w * stride.",
         "창이 stride가 아니라 1칸씩 움직입니다: vert_start = h * stride, horiz_start = w * stride."),
    ]
    if mode == "average":
        candidates.append((_cases.pool_backward_np(A_prev, f, stride, mode, dA, divide=2 * f),
                           "dz is divided by f + f; spread it over the f * f entries: dz / (f * f).",
                           "dz를 f + f로 나눴습니다; f * f개 원소에 나누세요: dz / (f * f)."))
        candidates.append((_cases.pool_backward_np(A_prev, f, stride, mode, dA, divide=1),
                           "dz is not divided: each entry of the window gets dz / (f * f).",
                           "dz를 나누지 않았습니다: 창의 각 원소는 dz / (f * f)를 받습니다."))
    else:
        candidates.append((_cases.pool_backward_np(A_prev, f, stride, mode, np.ones_like(dA)),
                           "The mask is not multiplied by the gradient: add mask * dA[i, h, w, c].",
                           "마스크에 기울기를 곱하지 않았습니다: mask * dA[i, h, w, c]를 더하세요."))
    hints = [Hint.close_to(v, en, ko) for v, en, ko in candidates
             if v is not None and v.shape == right.shape and not np.allclose(v, right)]
    if mode == "max":
        # mask computed from the window over all channels: only the channel holding the overall max gets gradient
        over = np.zeros(A_prev.shape)
        m, n_H, n_W, C = dA.shape
        for i in range(m):
            for h in range(n_H):
                for w in range(n_W):
                    win = A_prev[i, h * stride:h * stride + f, w * stride:w * stride + f, :]
                    mask = win == win.max()
                    over[i, h * stride:h * stride + f, w * stride:w * stride + f, :] += mask * dA[i, h, w, :]
        if not np.allclose(over, right):
            hints.append(Hint.close_to(over, "The mask is computed over all channels of the window; use the window "
                                             "of one channel, A_prev[i, vs:ve, hs:he, c].",
                                       "마스크를 창의 모든 채널에 대해 구했습니다; 한 채널의 창 "
                                       "A_prev[i, vs:ve, hs:he, c]을 쓰세요."))
    hints += _cases.swapped_hw_hint(A_prev.shape)
    return hints


def _check(got, expected, A_prev, f, stride, mode, dA, tol, inputs, suffix=("", "")):
    what = (WHAT[0] + suffix[0], WHAT[1] + suffix[1])
    hints = _hints(A_prev, f, stride, mode, dA)
    expect_shape(got, A_prev.shape, what=what, inputs=inputs, hints=hints)
    expect_dtype_floating(got, what=what, inputs=inputs)
    expect_close(got, expected, what=what, inputs=inputs, tol=tol, hints=hints,
                 float32=(A_prev.dtype == np.float32) or None)


def _check_all(got, ref, tol, A_prev, f, stride, mode, dA, inputs):
    hp = {"f": f, "stride": stride}
    _check(got, ref.pool_backward(dA, (A_prev, dict(hp)), mode=mode), A_prev, f, stride, mode, dA, tol, inputs)
    torch_name = "F.max_pool2d" if mode == "max" else "F.avg_pool2d"
    _check(got, _cases.torch_pool_backward(A_prev, f, stride, mode, dA), A_prev, f, stride, mode, dA, tol, inputs,
           (f" (compared with PyTorch autograd through {torch_name})", f" (PyTorch {torch_name}의 autograd와 비교)"))


def _inputs(dA, A_prev, hp, mode=None):
    inputs = {"dA": dA, "cache[0] (A_prev)": A_prev, "cache[1] (hparameters)": hp}
    if mode is not None:
        inputs["mode"] = mode
    return inputs


#          m, n_H, n_W, n_C, f, stride, mode, dtype
CASES = [
    pytest.param((2, 4, 6, 2, 2, 2, "max", np.float64), id="max_2x2",
                 marks=title("max, 2x2 windows, stride 2 (no overlap), non-square",
                             "max, 2x2 창, 스트라이드 2 (겹치지 않음), 정사각형 아님")),
    pytest.param((1, 5, 5, 2, 3, 1, "max", np.float64), id="max_overlap",
                 marks=title("max, overlapping 3x3 windows (stride 1)", "max, 겹치는 3x3 창 (스트라이드 1)")),
    pytest.param((2, 4, 4, 3, 2, 2, "average", np.float64), id="avg_2x2",
                 marks=title("average, 2x2 windows, stride 2", "average, 2x2 창, 스트라이드 2")),
    pytest.param((1, 7, 5, 2, 3, 2, "average", np.float64), id="avg_overlap",
                 marks=title("average, overlapping 3x3 windows, stride 2, non-square",
                             "average, 겹치는 3x3 창, 스트라이드 2, 정사각형 아님")),
    pytest.param((1, 7, 8, 2, 2, 3, "max", np.float64), id="max_floor",
                 marks=title("max, stride 3 does not divide the size (floor)",
                             "max, 크기가 스트라이드 3으로 나누어떨어지지 않음 (내림)")),
    pytest.param((2, 5, 6, 2, 3, 2, "max", np.float32), id="max_float32",
                 marks=title("max, float32, overlapping windows", "max, float32, 겹치는 창")),
    pytest.param((1, 6, 5, 2, 2, 1, "average", np.float32), id="avg_float32",
                 marks=title("average, float32, stride 1", "average, float32, 스트라이드 1")),
]


@pytest.mark.parametrize("case", CASES)
def test_values(student, ref, tol, rng, case):
    m, H, Wd, C, f, stride, mode, dtype = case
    A_prev, dA = _make(rng, m, H, Wd, C, f, stride, dtype)
    hp = {"f": f, "stride": stride}
    inputs = _inputs(dA, A_prev, hp, mode)
    got = student(dA, (A_prev, hp), mode=mode)
    _check_all(got, ref, tol, A_prev, f, stride, mode, dA, inputs)


@title("mode defaults to \"max\"", "mode의 기본값은 \"max\"")
def test_default_mode(student, tol, rng):
    """Called without mode, the function must do what it does with mode="max" (the values have tests of their own)."""
    A_prev, dA = _make(rng, 1, 4, 4, 2, 2, 2, np.float64)
    hp = {"f": 2, "stride": 2}
    inputs = _inputs(dA, A_prev, hp)
    with_max = student(dA, (A_prev, dict(hp)), mode="max")
    got = student(dA, (A_prev, dict(hp)))
    default_hint = Hint.close_to(_cases.pool_backward_np(A_prev, 2, 2, "average", dA),
                                 "Called without `mode`, your function gives the gradient of average pooling: the "
                                 "default must be mode=\"max\" (def pool_backward(dA, cache, mode=\"max\")).",
                                 "`mode` 없이 호출하면 평균 풀링의 기울기를 줍니다: 기본값은 mode=\"max\"여야 합니다 "
                                 "(def pool_backward(dA, cache, mode=\"max\")).")
    expect_close(got, with_max, what=(WHAT[0] + " without `mode` (compared with your result for mode=\"max\")",
                                      "`mode` 없이 호출한 " + WHAT[1] + " (mode=\"max\"일 때 결과와 비교)"),
                 inputs=inputs, tol=tol, hints=[default_hint])


@pytest.mark.parametrize("mode", [
    pytest.param("max", id="max", marks=title("numerical gradient check, max (finite differences)",
                                              "수치 기울기 검사, max (유한 차분)")),
    pytest.param("average", id="average", marks=title("numerical gradient check, average (finite differences)",
                                                      "수치 기울기 검사, average (유한 차분)")),
])
def test_numerical_gradient(student, ref, rng, mode):
    A_prev, dA = _make(rng, 2, 5, 4, 2, 3, 1, np.float64)
    hp = {"f": 3, "stride": 1}
    inputs = _inputs(dA, A_prev, hp, mode)
    got = student(dA, (A_prev, hp), mode=mode)

    # distinct values are 0.125 apart, so eps = 1e-3 never changes which entry is the maximum
    expected = _cases.pool_fd_gradient(ref.pool_forward, A_prev, hp, mode, dA)
    _check(got, expected, A_prev, 3, 1, mode, dA, FD_TOL, inputs,
           (" (compared with finite differences of the forward pass)", " (순전파의 유한 차분과 비교)"))


@title("does not modify dA or the cache", "dA와 캐시를 변경하지 않음")
def test_inputs_unchanged(student, rng):
    """Compares the arguments before and after the call, nothing else (the values have tests of their own)."""
    A_prev, dA = _make(rng, 2, 5, 4, 2, 3, 1, np.float64)
    hp = {"f": 3, "stride": 1}
    inputs = _inputs(dA, A_prev, hp, "max")
    res = student.call_full(dA, (A_prev, dict(hp)), "max")
    expect_unchanged(dA, res.args_after[0], "dA", func=FUNC, inputs=inputs)
    expect_unchanged((A_prev, hp), res.args_after[1], "cache", func=FUNC, inputs=inputs)
    expect_computed(res.value, func=FUNC, inputs=inputs)
