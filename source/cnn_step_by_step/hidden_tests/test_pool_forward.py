"""Hidden tests: pool_forward(A_prev, hparameters, mode="max") -> (A, cache).

A is compared with the reference and with F.max_pool2d / F.avg_pool2d
(NHWC <-> NCHW).  Inputs have pairwise distinct values (no ties).  A must be
a floating array of the exact shape; float32 inputs may give float32 or
float64 (float32 tolerance).  The cache must be (A_prev, hparameters).

Known mistakes caught: mean instead of max or max instead of mean (mode
ignored or swapped), "max" not the default, pooling over the channels too,
stride missing from the window position, round instead of floor, swapped
height/width (non-square cases), max initialised with 0 (all-negative case),
sum instead of mean, wrong cache, returning A only, modifying the inputs.
"""
import numpy as np
import pytest

import _cases
from autograder.checks import (Hint, expect_close, expect_dtype_floating, expect_equal, expect_shape,
                               expect_tuple, expect_unchanged, expect_computed)

FUNC = "pool_forward"
WHAT_RESULT = ("the value returned by pool_forward", "pool_forward의 반환값")
WHAT_A = ("A returned by pool_forward", "pool_forward가 반환한 A")


def title(en, ko):
    return pytest.mark.title(en=f"{FUNC}: {en}", ko=f"{FUNC}: {ko}")


def _shape_hints(A_prev, f, stride):
    m, H, Wd, C = A_prev.shape
    right = (m, _cases.out_size(H, f, 0, stride), _cases.out_size(Wd, f, 0, stride), C)
    hints = list(_cases.swapped_hw_hint(right)) + _cases.round_hint(right, H, Wd, f, 0, stride)
    candidates = [
        ((m, _cases.out_size(H, f, 0, 1), _cases.out_size(Wd, f, 0, 1), C),
         "This is the output size without the stride: n_H = floor((n_H_prev - f) / stride) + 1.",
         "스트라이드를 빼먹은 출력 크기입니다: n_H = floor((n_H_prev - f) / stride) + 1."),
        ((m, right[1], right[2], 1),
         "Pooling keeps the channels: the output has n_C = n_C_prev channels, each pooled separately.",
         "풀링은 채널을 유지합니다: 출력 채널 수는 입력과 같고 채널마다 따로 풀링합니다."),
    ]
    hints += [Hint.shape(s, en, ko) for s, en, ko in candidates if s != right]
    return hints


def _value_hints(A_prev, f, stride, mode):
    right = _cases.pool_np(A_prev, f, stride, mode)
    other = "average" if mode == "max" else "max"
    candidates = [
        (_cases.pool_np(A_prev, f, stride, other),
         f"This is {other} pooling, but mode={mode!r} was asked: check how you use `mode`.",
         f"이것은 {other} 풀링인데 mode={mode!r}가 요청되었습니다: `mode`를 어떻게 쓰는지 확인하세요."),
        (_cases.pool_np(A_prev, f, stride, mode, over_channels=True),
         "Each output mixes all channels: take the window of one channel, A_prev[i, vs:ve, hs:he, c].",
         "출력이 모든 채널을 섞었습니다: 한 채널의 창 A_prev[i, vs:ve, hs:he, c]만 쓰세요."),
        (_cases.pool_np(A_prev, f, stride, mode, pos_stride=1),
         "The windows move by 1 instead of by the stride: vert_start = h * stride, horiz_start = w * stride.",
         "창이 stride가 아니라 1칸씩 움직입니다: vert_start = h * stride, horiz_start = w * stride."),
    ]
    if mode == "max":
        candidates.append((np.maximum(right, 0),
                           "Negative maxima became 0: do not start the maximum from 0; use np.max(window).",
                           "음수인 최댓값이 0이 되었습니다: 최댓값을 0에서 시작하지 말고 np.max(window)를 쓰세요."))
    else:
        candidates.append((right * f * f, "This is the sum of the window; average pooling takes the mean.",
                           "창의 합입니다; 평균 풀링은 평균을 구합니다."))
    return [Hint.close_to(v, en, ko) for v, en, ko in candidates
            if v is not None and v.shape == right.shape and not np.allclose(v, right)]


def _unpack(got, inputs):
    return expect_tuple(got, 2, what=WHAT_RESULT, names="(A, cache)", inputs=inputs,
                        hints=_cases.returned_only_first_hint("A", "A"))


def _check_A(A, A_prev, f, stride, mode, ref, tol, inputs):
    expected, _ = ref.pool_forward(A_prev, {"f": f, "stride": stride}, mode=mode)
    expect_shape(A, expected.shape, what=WHAT_A, inputs=inputs, hints=_shape_hints(A_prev, f, stride))
    expect_dtype_floating(A, what=WHAT_A, inputs=inputs)
    float32 = (A_prev.dtype == np.float32) or None
    hints = _value_hints(A_prev, f, stride, mode)
    expect_close(A, expected, what=WHAT_A, inputs=inputs, tol=tol, hints=hints, float32=float32)
    torch_name = "F.max_pool2d" if mode == "max" else "F.avg_pool2d"
    expect_close(A, _cases.torch_pool(A_prev, f, stride, mode),
                 what=(f"{WHAT_A[0]} (compared with PyTorch {torch_name})",
                       f"{WHAT_A[1]} (PyTorch {torch_name}와 비교)"),
                 inputs=inputs, tol=tol, hints=hints, float32=float32)


#          m, n_H, n_W, n_C, f, stride, mode, dtype
CASES = [
    pytest.param((2, 4, 4, 3, 2, 2, "max", np.float64), id="max_2x2",
                 marks=title("max, 2x2 windows, stride 2", "max, 2x2 창, 스트라이드 2")),
    pytest.param((2, 5, 7, 2, 3, 1, "max", np.float64), id="max_overlap",
                 marks=title("max, overlapping 3x3 windows (stride 1), non-square",
                             "max, 겹치는 3x3 창 (스트라이드 1), 정사각형 아님")),
    pytest.param((2, 6, 4, 3, 2, 2, "average", np.float64), id="avg_2x2",
                 marks=title("average, 2x2 windows, stride 2, non-square",
                             "average, 2x2 창, 스트라이드 2, 정사각형 아님")),
    pytest.param((1, 7, 6, 2, 3, 2, "average", np.float64), id="avg_overlap",
                 marks=title("average, overlapping 3x3 windows, stride 2", "average, 겹치는 3x3 창, 스트라이드 2")),
    pytest.param((1, 7, 9, 2, 2, 3, "max", np.float64), id="max_floor",
                 marks=title("max, stride 3 does not divide the size (floor)",
                             "max, 크기가 스트라이드 3으로 나누어떨어지지 않음 (내림)")),
    pytest.param((2, 5, 6, 2, 3, 2, "max", np.float32), id="max_float32",
                 marks=title("max, float32", "max, float32")),
    pytest.param((1, 6, 5, 3, 2, 1, "average", np.float32), id="avg_float32",
                 marks=title("average, float32, stride 1", "average, float32, 스트라이드 1")),
    pytest.param((1, 3, 4, 1, 1, 1, "max", np.float64), id="f1",
                 marks=title("1x1 windows (identity), one channel", "1x1 창 (항등), 채널 1개")),
]


def _positive(rng, shape, dtype=np.float64):
    """Distinct positive values: a maximum started from 0 is right here (test_negative_values covers it)."""
    A = _cases.distinct(rng, shape, dtype)
    return (A - A.min() + 0.125).astype(dtype)


@pytest.mark.parametrize("case", CASES)
def test_values(student, ref, tol, rng, case):
    m, H, Wd, C, f, stride, mode, dtype = case
    A_prev = _positive(rng, (m, H, Wd, C), dtype)
    hp = {"f": f, "stride": stride}
    inputs = {"A_prev": A_prev, "hparameters": hp, "mode": mode}
    A, _ = _unpack(student(A_prev, hp, mode=mode), inputs)
    _check_A(A, A_prev, f, stride, mode, ref, tol, inputs)


@title("mode defaults to \"max\"", "mode의 기본값은 \"max\"")
def test_default_mode(student, tol, rng):
    """Called without mode, the function must do what it does with mode="max" (whatever that is:
    the values have tests of their own)."""
    A_prev = _positive(rng, (2, 4, 6, 2))
    hp = {"f": 2, "stride": 2}
    inputs = {"A_prev": A_prev, "hparameters": hp}
    A_max, _ = _unpack(student(A_prev, dict(hp), mode="max"), inputs)
    A, _ = _unpack(student(A_prev, dict(hp)), inputs)
    default_hint = Hint.close_to(_cases.pool_np(A_prev, 2, 2, "average"),
                                 "Called without `mode`, your function does average pooling: the default must be "
                                 "mode=\"max\" (def pool_forward(A_prev, hparameters, mode=\"max\")).",
                                 "`mode` 없이 호출하면 평균 풀링을 합니다: 기본값은 mode=\"max\"여야 합니다 "
                                 "(def pool_forward(A_prev, hparameters, mode=\"max\")).")
    expect_close(A, A_max, what=("A returned by pool_forward without `mode` (compared with your result for "
                                 "mode=\"max\")", "`mode` 없이 호출한 pool_forward의 A (mode=\"max\"일 때 결과와 비교)"),
                 inputs=inputs, tol=tol, hints=[default_hint])


@title("max of negative values", "음수 값의 max")
def test_negative_values(student, ref, tol, rng):
    # one channel and stride 1: only the handling of negative values can make this case differ
    A_prev = _cases.distinct(rng, (1, 4, 5, 1)) - 10.0
    hp = {"f": 2, "stride": 1}
    inputs = {"A_prev": A_prev, "hparameters": hp, "mode": "max"}
    A, _ = _unpack(student(A_prev, hp, mode="max"), inputs)
    _check_A(A, A_prev, 2, 1, "max", ref, tol, inputs)


@title("returns the cache (A_prev, hparameters)", "캐시 (A_prev, hparameters)를 반환")
def test_cache(student, rng):
    A_prev = _cases.distinct(rng, (2, 5, 4, 2))
    hp = {"f": 3, "stride": 1}
    inputs = {"A_prev": A_prev, "hparameters": hp, "mode": "average"}
    _, cache = _unpack(student(A_prev, hp, mode="average"), inputs)
    order_hint = [Hint(lambda c: type(c) in (tuple, list) and len(c) == 2 and type(c[0]) is dict,
                       "The cache order is (A_prev, hparameters).", "캐시의 순서는 (A_prev, hparameters)입니다.")]
    cache = expect_tuple(cache, 2, what=("the cache returned by pool_forward", "pool_forward가 반환한 캐시"),
                         names="(A_prev, hparameters)", inputs=inputs, hints=order_hint)
    expect_equal(cache[0], A_prev, what=("cache[0] (must be A_prev)", "cache[0] (A_prev이어야 함)"),
                 inputs=inputs, hints=order_hint)
    expect_equal(cache[1], hp, what=("cache[1] (must be hparameters)", "cache[1] (hparameters이어야 함)"),
                 inputs=inputs, hints=order_hint)


@title("does not modify its inputs", "입력을 변경하지 않음")
def test_inputs_unchanged(student, rng):
    """Compares the arguments before and after the call, nothing else (the values have tests of their own)."""
    A_prev = _positive(rng, (2, 5, 6, 2))
    hp = {"f": 3, "stride": 2}
    inputs = {"A_prev": A_prev, "hparameters": hp, "mode": "max"}
    res = student.call_full(A_prev, dict(hp), mode="max")
    for name, before, after in zip(("A_prev", "hparameters"), (A_prev, hp), res.args_after):
        expect_unchanged(before, after, name, func=FUNC, inputs=inputs)
    expect_computed(res.value, func=FUNC, inputs=inputs)
