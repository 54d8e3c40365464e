"""Hidden tests: conv_forward(A_prev, W, b, hparameters) -> (Z, cache).

During these tests the student's calls to zero_pad and conv_single_step are
answered by the reference versions (grading.yml `helpers`), so only
conv_forward itself is graded here; writing np.pad inline or vectorising
(sliding_window_view, einsum, tensordot) is just as good.

Z is compared with the reference and with PyTorch's F.conv2d (NHWC <-> NCHW).
Z must be a floating array of the exact shape; float32 inputs may give a
float32 or a float64 Z, compared with the float32 tolerance.  (Z, cache) may
be a tuple or a list; the cache must be (A_prev, W, b, hparameters) in this
order, with the *unpadded* A_prev, compared by value (the worker returns
copies, so identity cannot be checked across the process boundary).

Known mistakes caught (with a hint when recognisable): stride missing from
the window position, round instead of floor (stride 3 case), swapped height
and width (non-square cases), bias inside the sum, same filter or bias for
every output channel (W[..., 0], b[..., 0]), flipped kernel, padding not used
or padding the batch/channel axis, bias forgotten, wrong cache content or
order, returning Z only, modifying the inputs.
"""
import numpy as np
import pytest

import _cases
from autograder.checks import (Hint, expect_close, expect_dtype_floating, expect_equal, expect_shape,
                               expect_tuple, expect_unchanged, expect_computed)

FUNC = "conv_forward"
WHAT_RESULT = ("the value returned by conv_forward", "conv_forward의 반환값")
WHAT_Z = ("Z returned by conv_forward", "conv_forward가 반환한 Z")
WHAT_Z_TORCH = ("Z returned by conv_forward (compared with PyTorch F.conv2d)",
                "conv_forward가 반환한 Z (PyTorch F.conv2d와 비교)")


def title(en, ko):
    return pytest.mark.title(en=f"{FUNC}: {en}", ko=f"{FUNC}: {ko}")


def _make(rng, m, H, Wd, C_prev, f, C, dtype):
    A = _cases.randn(rng, (m, H, Wd, C_prev), dtype)
    W = _cases.randn(rng, (f, f, C_prev, C), dtype)
    b = _cases.randn(rng, (1, 1, 1, C), dtype)
    return A, W, b


def _shape_hints(A, W, stride, pad):
    m, H, Wd, _ = A.shape
    f, C = W.shape[0], W.shape[3]
    right = (m, _cases.out_size(H, f, pad, stride), _cases.out_size(Wd, f, pad, stride), C)
    hints = list(_cases.swapped_hw_hint(right))
    hints += _cases.round_hint(right, H, Wd, f, pad, stride)
    candidates = [
        ((m, _cases.out_size(H, f, pad, 1), _cases.out_size(Wd, f, pad, 1), C),
         "This is the output size without the stride: n_H = floor((n_H_prev + 2*pad - f) / stride) + 1.",
         "스트라이드를 빼먹은 출력 크기입니다: n_H = floor((n_H_prev + 2*pad - f) / stride) + 1."),
        ((m, _cases.out_size(H, f, 0, stride), _cases.out_size(Wd, f, 0, stride), C),
         "This is the output size without padding: the formula has n + 2*pad.",
         "패딩을 뺀 출력 크기입니다: 공식에는 n + 2*pad가 들어갑니다."),
        ((m, right[1], right[2], A.shape[3]),
         "The number of output channels is the number of filters, W.shape[3].",
         "출력 채널 수는 필터 개수 W.shape[3]입니다."),
    ]
    hints += [Hint.shape(s, en, ko) for s, en, ko in candidates if s != right]
    return hints


def _value_hints(A, W, b, stride, pad):
    A64, W64, b64 = (x.astype(np.float64) for x in (A, W, b))
    f, _, C_prev, C = W.shape
    right = _cases.conv_np(A64, W64, b64, stride, pad)
    n_H, n_W = right.shape[1:3]
    candidates = [
        (right + (f * f * C_prev - 1) * b64,
         "This is what you get if the bias is added inside the sum (f*f*n_C_prev times per output value). "
         "Add b[..., c] once per output value.",
         "합 안에서 편향을 더하면(출력값 하나당 f*f*n_C_prev번) 이 결과가 나옵니다. 편향 b[..., c]는 "
         "출력값 하나당 한 번만 더하세요."),
        (_cases.conv_np(A64, W64[..., [0] * C], b64, stride, pad),
         "Every output channel uses the first filter: use W[:, :, :, c] for channel c.",
         "모든 출력 채널이 첫 번째 필터를 씁니다: 채널 c에는 W[:, :, :, c]를 쓰세요."),
        (_cases.conv_np(A64, W64, b64[..., [0] * C], stride, pad),
         "Every output channel uses the first bias: use b[:, :, :, c] for channel c.",
         "모든 출력 채널이 첫 번째 편향을 씁니다: 채널 c에는 b[:, :, :, c]를 쓰세요."),
        (_cases.conv_np(A64, W64[..., [0] * C], b64[..., [0] * C], stride, pad),
         "Every output channel uses filter 0 and bias 0: index W and b with the channel c.",
         "모든 출력 채널이 0번 필터와 0번 편향을 씁니다: W와 b를 채널 c로 인덱싱하세요."),
        (_cases.conv_np(A64, W64, b64, stride, pad, n_H=n_H, n_W=n_W, pos_stride=1),
         "The windows move by 1 instead of by the stride: vert_start = h * stride, horiz_start = w * stride.",
         "창이 stride가 아니라 1칸씩 움직입니다: vert_start = h * stride, horiz_start = w * stride."),
        (_cases.conv_np(A64, W64[::-1, ::-1], b64, stride, pad),
         "The filter is flipped (true convolution); here, as in every deep-learning library, the filter is "
         "applied as it is (cross-correlation).",
         "필터를 뒤집었습니다(수학적 합성곱); 여기서는 모든 딥러닝 라이브러리처럼 필터를 그대로 적용합니다(교차상관)."),
        (right - b64, "The bias b is missing.", "편향 b가 빠졌습니다."),
    ]
    hints = [Hint.close_to(v, en, ko) for v, en, ko in candidates
             if v is not None and v.shape == right.shape and not np.allclose(v, right)]
    if pad > 0 and A.shape[0] > 1:
        bias_only = np.broadcast_to(b64.reshape(1, 1, C), right.shape[1:])
        hints.append(Hint(lambda got: type(got) is np.ndarray and got.shape == right.shape
                          and np.allclose(got[0], bias_only),
                          "The output of the first image is only the bias: its windows are all zeros. "
                          "Did you pad the batch axis? Pad only height and width.",
                          "첫 번째 이미지의 출력이 편향뿐입니다: 창이 모두 0입니다. 배치 축에 패딩하지 않았나요? "
                          "높이와 너비에만 패딩하세요."))
    return hints


def _unpack(got, inputs):
    hints = _cases.returned_only_first_hint("Z", "Z")
    return expect_tuple(got, 2, what=WHAT_RESULT, names="(Z, cache)", inputs=inputs, hints=hints)


def _check_Z(Z, A, W, b, hp, ref, tol, inputs):
    stride, pad = hp["stride"], hp["pad"]
    Z_ref, _ = ref.conv_forward(A, W, b, dict(hp))
    expect_shape(Z, Z_ref.shape, what=WHAT_Z, inputs=inputs, hints=_shape_hints(A, W, stride, pad))
    expect_dtype_floating(Z, what=WHAT_Z, inputs=inputs)
    float32 = (A.dtype == np.float32) or None   # float32 inputs: float32 tolerance; else by dtype
    hints = _value_hints(A, W, b, stride, pad)
    expect_close(Z, Z_ref, what=WHAT_Z, inputs=inputs, tol=tol, hints=hints, float32=float32)
    expect_close(Z, _cases.torch_conv(A, W, b, stride, pad), what=WHAT_Z_TORCH, inputs=inputs, tol=tol,
                 hints=hints, float32=float32)


#          m, n_H, n_W, n_C_prev, f, n_C, stride, pad, dtype
CASES = [
    pytest.param((2, 4, 4, 3, 3, 2, 1, 1, np.float64), id="s1p1",
                 marks=title("square input, stride 1, pad 1", "정사각형 입력, 스트라이드 1, 패딩 1")),
    pytest.param((2, 5, 7, 2, 3, 3, 2, 0, np.float64), id="s2p0",
                 marks=title("stride 2, pad 0, non-square", "스트라이드 2, 패딩 0, 정사각형 아님")),
    pytest.param((1, 8, 7, 2, 3, 2, 3, 0, np.float64), id="floor",
                 marks=title("stride 3 does not divide the size (floor)",
                             "크기가 스트라이드 3으로 나누어떨어지지 않음 (내림)")),
    pytest.param((2, 3, 5, 4, 1, 3, 1, 0, np.float64), id="f1",
                 marks=title("1x1 filters, non-square", "1x1 필터, 정사각형 아님")),
    pytest.param((1, 5, 6, 1, 2, 2, 1, 2, np.float64), id="single",
                 marks=title("batch of 1, one input channel, pad 2", "배치 1, 입력 채널 1개, 패딩 2")),
    pytest.param((2, 3, 4, 2, 5, 1, 1, 1, np.float64), id="bigfilter",
                 marks=title("one filter larger than the input (5x5 on 3x4, pad 1)",
                             "입력보다 큰 필터 1개 (3x4 입력에 5x5, 패딩 1)")),
    pytest.param((2, 6, 5, 3, 3, 2, 2, 1, np.float32), id="float32",
                 marks=title("float32 inputs, stride 2, pad 1", "float32 입력, 스트라이드 2, 패딩 1")),
    pytest.param((1, 8, 10, 2, 4, 3, 2, 2, np.float32), id="float32_f4",   # stride divides: not a floor case
                 marks=title("float32, even filter size 4, stride 2, pad 2",
                             "float32, 짝수 필터 크기 4, 스트라이드 2, 패딩 2")),
]


@pytest.mark.parametrize("case", CASES)
def test_values(student, ref, tol, rng, case):
    m, H, Wd, C_prev, f, C, stride, pad, dtype = case
    A, W, b = _make(rng, m, H, Wd, C_prev, f, C, dtype)
    hp = {"stride": stride, "pad": pad}
    inputs = {"A_prev": A, "W": W, "b": b, "hparameters": hp}
    Z, _ = _unpack(student(A, W, b, hp), inputs)
    _check_Z(Z, A, W, b, hp, ref, tol, inputs)


@title("lecture examples (5x5 input, stride 2; and pad 1)", "강의 예제 (5x5 입력, 스트라이드 2; 패딩 1)")
def test_lecture_examples(student, ref, tol):
    kernel = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]], dtype=float)[:, :, None, None]
    image = np.array([[1, 1, 1, 1, 1], [2, 2, 2, 2, 2], [0, 0, 0, 0, 1],
                      [1, 0, 1, 1, 0], [2, 1, 2, 1, 2]], dtype=float)[None, :, :, None]
    b = np.zeros((1, 1, 1, 1))
    for hp, expected in (({"stride": 2, "pad": 0}, np.array([[4., 5.], [4., 6.]])),
                         ({"stride": 1, "pad": 1}, None)):
        inputs = {"A_prev": image, "W": kernel, "b": b, "hparameters": hp}
        Z, _ = _unpack(student(image, kernel, b, hp), inputs)
        if expected is not None:
            expect_shape(Z, (1, 2, 2, 1), what=WHAT_Z, inputs=inputs, hints=_shape_hints(image, kernel, 2, 0))
            expect_close(Z[0, :, :, 0], expected, what=WHAT_Z, inputs=inputs, tol=tol,
                         hints=_value_hints(image, kernel, b, 2, 0))
        _check_Z(Z, image, kernel, b, hp, ref, tol, inputs)


@title("returns the cache (A_prev, W, b, hparameters)", "캐시 (A_prev, W, b, hparameters)를 반환")
def test_cache(student, rng):
    A, W, b = _make(rng, 2, 4, 5, 2, 3, 2, np.float64)
    hp = {"stride": 2, "pad": 1}
    inputs = {"A_prev": A, "W": W, "b": b, "hparameters": hp}
    _, cache = _unpack(student(A, W, b, hp), inputs)
    order_hint = [Hint(lambda c: type(c) in (tuple, list) and len(c) == 4 and any(
        type(x) is dict for x in c[:3]),
        "The cache order is (A_prev, W, b, hparameters): conv_backward unpacks it in this order.",
        "캐시의 순서는 (A_prev, W, b, hparameters)입니다: conv_backward가 이 순서로 꺼냅니다.")]
    cache = expect_tuple(cache, 4, what=("the cache returned by conv_forward", "conv_forward가 반환한 캐시"),
                         names="(A_prev, W, b, hparameters)", inputs=inputs, hints=order_hint)
    padded = np.pad(A, ((0, 0), (1, 1), (1, 1), (0, 0)))
    padded_hint = [Hint(lambda g: type(g) is np.ndarray and g.shape == padded.shape,
                        "The cache holds the padded A_prev; store the original input A_prev "
                        "(conv_backward pads it again).",
                        "캐시에 패딩된 A_prev가 들어 있습니다; 원래 입력 A_prev를 저장하세요(conv_backward가 "
                        "다시 패딩합니다).")]
    names = ("A_prev", "W", "b", "hparameters")
    for k, (name, value) in enumerate(zip(names, (A, W, b, hp))):
        what = (f"cache[{k}] (must be {name})", f"cache[{k}] ({name}이어야 함)")
        expect_equal(cache[k], value, what=what, inputs=inputs,
                     hints=(padded_hint if k == 0 else []) + order_hint)


@title("does not modify its inputs", "입력을 변경하지 않음")
def test_inputs_unchanged(student, rng):
    """Compares the arguments before and after the call, nothing else (the values have tests of their own)."""
    A, W, b = _make(rng, 2, 5, 4, 2, 3, 2, np.float64)
    hp = {"stride": 2, "pad": 1}
    inputs = {"A_prev": A, "W": W, "b": b, "hparameters": hp}
    res = student.call_full(A, W, b, dict(hp))
    for name, before, after in zip(("A_prev", "W", "b", "hparameters"), (A, W, b, hp), res.args_after):
        expect_unchanged(before, after, name, func=FUNC, inputs=inputs)
    expect_computed(res.value, func=FUNC, inputs=inputs)
