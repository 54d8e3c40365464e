"""Hidden tests: depthwise_conv_forward(A_prev, W, b, hparameters) -> (Z, cache).

Z is compared with the reference and with F.conv2d(..., groups=n_C) (NHWC <->
NCHW); non-square inputs, stride 2 and 3 (floor), padding 0 to 2, float32.
The cache must be (A_prev, W, b, hparameters).  Known mistakes (hinted): a
standard convolution summed over channels, the bias missing, windows moving
by 1 instead of the stride, the same filter for every channel.
"""
import numpy as np
import pytest

import _inside_cases as C
from autograder.checks import (Hint, expect_close, expect_computed, expect_equal, expect_shape, expect_tuple,
                               expect_unchanged)

FUNC = "depthwise_conv_forward"
title = C.titler(FUNC)
WHAT_RESULT = ("the value returned by depthwise_conv_forward", "depthwise_conv_forward의 반환값")
WHAT_Z = ("Z returned by depthwise_conv_forward", "depthwise_conv_forward가 반환한 Z")
WHAT_TORCH = ("Z (compared with PyTorch F.conv2d with groups=n_C)", "Z (groups=n_C인 PyTorch F.conv2d와 비교)")


def out_size(n, f, pad, stride):
    return (n + 2 * pad - f) // stride + 1


def hints(A, W, b, stride, pad):
    m, H, Wd, n_C = A.shape
    f = W.shape[0]
    right = (m, out_size(H, f, pad, stride), out_size(Wd, f, pad, stride), n_C)
    z = C.torch_depthwise(A, W, b, stride, pad)
    out = [Hint.shape(right[:3] + (1,), "Each channel has its own filter and its own output channel: do not sum "
                      "over the channels (that is a standard convolution).",
                      "채널마다 자기 필터와 자기 출력 채널이 있습니다. 채널에 걸쳐 합하지 마세요(그것은 표준 합성곱).")]
    out.append(Hint.close_to(z - b.reshape(1, 1, 1, -1), "The bias b is missing.", "편향 b가 빠졌습니다."))
    out.append(Hint.close_to(C.torch_depthwise(A, np.repeat(W[:, :, :1], n_C, axis=2), b, stride, pad),
                             "Every channel uses the first filter: use W[:, :, c] for channel c.",
                             "모든 채널이 첫 번째 필터를 씁니다. 채널 c에는 W[:, :, c]를 쓰세요."))
    if stride > 1:
        full = C.torch_depthwise(A, W, b, 1, pad)[:, :right[1], :right[2]]
        out.append(Hint.close_to(full, "The windows move by 1 instead of by the stride: vert_start = h * stride.",
                                 "창이 stride가 아니라 1칸씩 움직입니다: vert_start = h * stride."))
    return right, out


CASES = [  # m, H, W, n_C, f, stride, pad, dtype
    pytest.param((2, 4, 4, 3, 3, 1, 1, np.float64), id="s1p1", marks=title("stride 1, pad 1", "스트라이드 1, 패딩 1")),
    pytest.param((2, 5, 7, 2, 3, 2, 0, np.float64), id="s2p0",
                 marks=title("non-square, stride 2, pad 0", "정사각형 아님, 스트라이드 2, 패딩 0")),
    pytest.param((1, 8, 7, 4, 2, 3, 1, np.float64), id="floor",
                 marks=title("stride 3 (floor), even filter 2x2", "스트라이드 3 (내림), 짝수 필터 2x2")),
    pytest.param((2, 6, 5, 3, 5, 1, 2, np.float32), id="f32",
                 marks=title("float32, 5x5 filters, pad 2", "float32, 5x5 필터, 패딩 2")),
]


@pytest.mark.parametrize("case", CASES)
def test_values(student, ref, tol, rng, case):
    m, H, Wd, n_C, f, stride, pad, dtype = case
    A, W, b = C.randn(rng, (m, H, Wd, n_C), dtype), C.randn(rng, (f, f, n_C), dtype), C.randn(rng, (1, 1, 1, n_C), dtype)
    hp = {"stride": stride, "pad": pad}
    inputs = {"A_prev": A, "W": W, "b": b, "hparameters": hp}
    Z, _ = expect_tuple(student(A, W, b, hp), 2, what=WHAT_RESULT, names="(Z, cache)", inputs=inputs)
    right, hint_list = hints(A, W, b, stride, pad)
    expect_shape(Z, right, what=WHAT_Z, inputs=inputs, hints=hint_list)
    float32 = (dtype == np.float32) or None
    expect_close(Z, ref.depthwise_conv_forward(A, W, b, dict(hp))[0], what=WHAT_Z, inputs=inputs, tol=tol,
                 hints=hint_list, float32=float32)
    expect_close(Z, C.torch_depthwise(A, W, b, stride, pad), what=WHAT_TORCH, inputs=inputs, tol=tol,
                 hints=hint_list, float32=float32)


@title("returns the cache (A_prev, W, b, hparameters)", "캐시 (A_prev, W, b, hparameters)를 반환")
def test_cache(student, rng):
    A, W, b = C.randn(rng, (1, 4, 5, 2)), C.randn(rng, (3, 3, 2)), C.randn(rng, (1, 1, 1, 2))
    hp = {"stride": 2, "pad": 1}
    inputs = {"A_prev": A, "W": W, "b": b, "hparameters": hp}
    _, cache = expect_tuple(student(A, W, b, hp), 2, what=WHAT_RESULT, names="(Z, cache)", inputs=inputs)
    cache = expect_tuple(cache, 4, what=("the cache", "캐시"), names="(A_prev, W, b, hparameters)", inputs=inputs)
    for k, (name, value) in enumerate(zip(("A_prev", "W", "b", "hparameters"), (A, W, b, hp))):
        expect_equal(cache[k], value, what=(f"cache[{k}] (must be {name})", f"cache[{k}] ({name}이어야 함)"),
                     inputs=inputs)


@title("does not modify its inputs", "입력을 변경하지 않음")
def test_inputs_unchanged(student, rng):
    A, W, b = C.randn(rng, (2, 4, 4, 2)), C.randn(rng, (3, 3, 2)), C.randn(rng, (1, 1, 1, 2))
    hp = {"stride": 1, "pad": 1}
    inputs = {"A_prev": A, "W": W, "b": b, "hparameters": hp}
    res = student.call_full(A, W, b, dict(hp))
    for name, before, after in zip(("A_prev", "W", "b", "hparameters"), (A, W, b, hp), res.args_after):
        expect_unchanged(before, after, name, func=FUNC, inputs=inputs)
    expect_computed(res.value, func=FUNC, inputs=inputs)
