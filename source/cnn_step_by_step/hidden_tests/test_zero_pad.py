"""Hidden tests: zero_pad(X, pad) -> X padded with zeros on height and width only.

The values must be exact (zeros around, X inside).  The dtype is not required
to be X's: a float32 input may come back as float32 or float64 (both hold the
values exactly), e.g. from `np.zeros(...)` followed by a slice assignment.
Compared with the reference and with torch.nn.functional.pad.  Known mistakes
caught: padding the batch or channel axis (or all axes), padding one side
only, 2*pad per side, padding with another constant or with edge values,
modifying X.
"""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import _cases
from autograder.checks import (Hint, expect_close, expect_computed, expect_dtype_floating, expect_shape,
                               expect_unchanged)

FUNC = "zero_pad"
WHAT = ("X_pad returned by zero_pad", "zero_pad가 반환한 X_pad")
EXACT = {"float64": (0.0, 0.0), "float32": (0.0, 0.0)}   # padding copies values: no rounding allowed


def title(en, ko):
    return pytest.mark.title(en=f"{FUNC}: {en}", ko=f"{FUNC}: {ko}")


def _shape_hints(shape, pad):
    m, h, w, c = shape
    p2 = 2 * pad
    hints = [
        ((m + p2, h + p2, w + p2, c + p2),
         "All four axes were padded. Pad only height and width: "
         "np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0))).",
         "네 축 모두에 패딩했습니다. 높이와 너비에만 패딩하세요: "
         "np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)))."),
        ((m + p2, h + p2, w + p2, c),
         "The batch axis (axis 0, the number of images) was padded: use (0, 0) for it.",
         "배치 축(0번 축, 이미지 수)에 패딩했습니다: 그 축에는 (0, 0)을 쓰세요."),
        ((m, h + p2, w + p2, c + p2),
         "The channel axis (axis 3) was padded: use (0, 0) for it.",
         "채널 축(3번 축)에 패딩했습니다: 그 축에는 (0, 0)을 쓰세요."),
        ((m + p2, h + p2, w, c),
         "The batch and height axes were padded instead of height and width (axes 1 and 2).",
         "높이·너비(1, 2번 축) 대신 배치·높이 축에 패딩했습니다."),
        ((m, h, w + p2, c + p2),
         "The width and channel axes were padded instead of height and width (axes 1 and 2).",
         "높이·너비(1, 2번 축) 대신 너비·채널 축에 패딩했습니다."),
        ((m, h + pad, w + pad, c),
         "Only one side was padded: pad is added on both sides, (pad, pad).",
         "한쪽에만 패딩했습니다: 패딩은 양쪽에 붙습니다, (pad, pad)."),
        ((m, h + 2 * p2, w + 2 * p2, c),
         "Each side got 2*pad zeros; each side gets pad zeros (the total grows by 2*pad).",
         "각 변에 2*pad개의 0이 붙었습니다; 각 변에는 pad개씩입니다(전체로 2*pad 증가)."),
    ]
    expected = (m, h + p2, w + p2, c)
    return [Hint.shape(s, en, ko) for s, en, ko in hints if s != expected]


def _value_hints(X, pad):
    spec = ((0, 0), (pad, pad), (pad, pad), (0, 0))
    if pad == 0:
        return []
    return [
        Hint.close_to(np.pad(X.astype(np.float64), spec, constant_values=1),
                      "The border is filled with ones: zero padding uses constant_values=0 (the default).",
                      "가장자리가 1로 채워졌습니다: 제로 패딩은 constant_values=0(기본값)입니다."),
        Hint.close_to(np.pad(X.astype(np.float64), spec, mode="edge"),
                      "The border repeats the edge values (mode='edge'); it must be zeros (mode='constant').",
                      "가장자리에 가장자리 값이 반복되었습니다(mode='edge'); 0이어야 합니다(mode='constant')."),
    ]


CASES = [
    pytest.param((2, 3, 3, 2), 2, np.float64, id="square", marks=title("square images, pad 2", "정사각형 이미지, 패딩 2")),
    pytest.param((2, 3, 5, 3), 1, np.float64, id="nonsquare",
                 marks=title("non-square images, pad 1", "정사각형이 아닌 이미지, 패딩 1")),
    pytest.param((1, 4, 2, 1), 3, np.float64, id="single",
                 marks=title("batch of 1, one channel, pad 3", "배치 1, 채널 1개, 패딩 3")),
    pytest.param((3, 2, 4, 2), 0, np.float64, id="pad0",
                 marks=title("pad 0 returns the same values", "패딩 0이면 값이 그대로")),
    pytest.param((2, 3, 4, 3), 1, np.float32, id="float32",
                 marks=title("float32 input", "float32 입력")),
]


@pytest.mark.parametrize("shape, pad, dtype", CASES)
def test_values(student, ref, rng, shape, pad, dtype):
    X = _cases.randn(rng, shape, dtype)
    inputs = {"X": X, "pad": pad}
    got = student(X, pad)
    expected_shape = (shape[0], shape[1] + 2 * pad, shape[2] + 2 * pad, shape[3])
    expect_shape(got, expected_shape, what=WHAT, inputs=inputs, hints=_shape_hints(shape, pad))
    expect_dtype_floating(got, what=WHAT, inputs=inputs)
    hints = _value_hints(X, pad)
    expect_close(got, ref.zero_pad(X, pad), what=WHAT, inputs=inputs, tol=EXACT, hints=hints)
    with torch.no_grad():
        torch_pad = F.pad(torch.from_numpy(X).permute(0, 3, 1, 2), (pad, pad, pad, pad)).permute(0, 2, 3, 1).numpy()
    expect_close(got, torch_pad, what=(WHAT[0] + " (compared with torch.nn.functional.pad)",
                                       WHAT[1] + " (torch.nn.functional.pad와 비교)"),
                 inputs=inputs, tol=EXACT, hints=hints)


@title("does not modify X", "X를 변경하지 않음")
def test_input_unchanged(student, rng):
    X = _cases.randn(rng, (2, 3, 4, 2))
    inputs = {"X": X, "pad": 2}
    res = student.call_full(X, 2)
    expect_unchanged(X, res.args_after[0], "X", func=FUNC, inputs=inputs)   # the values have tests of their own
    expect_computed(res.value, func=FUNC, inputs=inputs)
