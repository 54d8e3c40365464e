"""Hidden tests: create_mask_from_window(x) -> mask, True where x equals its maximum.

What is accepted:
* the mask must be a numpy array of x's shape;
* its dtype may be bool (canonical) or numeric with only the values 0 and 1
  (`(x == x.max()).astype(int)`, `np.where(x == x.max(), 1, 0)`): in
  pool_backward it is only multiplied by a number, where 0/1 and False/True
  behave the same.  Any other value (e.g. the values of x at the maximum)
  is rejected.
* ties: when several entries share the maximum, marking all of them (the
  reference, `x == np.max(x)`) is the canonical answer, and marking exactly
  one of them (what PyTorch's max pooling does, or an argmax-based mask) is
  accepted too.  Marking a non-maximal entry is never accepted.
Without ties exactly the maximum must be marked.

Known mistakes caught: minimum instead of maximum, argmax index instead of a
mask, maximum per row/column (np.max(x, axis=...)), a mask of the positive
entries (all-negative case), the values instead of a mask, a flattened
mask, swapped axes (non-square windows), modifying x.
"""
import numpy as np
import pytest

import _cases
from autograder.checks import Hint, expect_shape, expect_computed, expect_unchanged, fail, format_value

FUNC = "create_mask_from_window"
WHAT = ("the mask returned by create_mask_from_window", "create_mask_from_window가 반환한 마스크")


def title(en, ko):
    return pytest.mark.title(en=f"{FUNC}: {en}", ko=f"{FUNC}: {ko}")


def _mask_of(x, fn):
    try:
        return fn(x)
    except Exception:
        return None


def _hints(x):
    right = x == x.max()
    candidates = [
        (x == x.min(), "This marks the minimum; the mask marks the maximum: x == np.max(x).",
         "최솟값을 표시했습니다; 마스크는 최댓값을 표시합니다: x == np.max(x)."),
        (x > 0, "This marks the positive entries; the mask marks where x equals its maximum: x == np.max(x).",
         "양수인 원소를 표시했습니다; 마스크는 x가 최댓값과 같은 곳입니다: x == np.max(x)."),
        (x == x.max(axis=0, keepdims=True),
         "This marks the maximum of every column (np.max(x, axis=0)); use the maximum of the whole window, np.max(x).",
         "열마다 최댓값을 표시했습니다(np.max(x, axis=0)); 창 전체의 최댓값 np.max(x)를 쓰세요."),
        (x == x.max(axis=1, keepdims=True),
         "This marks the maximum of every row (np.max(x, axis=1)); use the maximum of the whole window, np.max(x).",
         "행마다 최댓값을 표시했습니다(np.max(x, axis=1)); 창 전체의 최댓값 np.max(x)를 쓰세요."),
        (x >= x.mean(), "This marks the entries above the mean; the mask marks the maximum only.",
         "평균 이상인 원소를 표시했습니다; 마스크는 최댓값만 표시합니다."),
    ]
    hints = [Hint(lambda g, v=v: type(g) is np.ndarray and g.shape == v.shape and np.array_equal(g != 0, v), en, ko)
             for v, en, ko in candidates if not np.array_equal(v, right)]
    hints += [
        Hint(lambda g: not isinstance(g, np.ndarray) and isinstance(g, (int, np.integer)),
             "np.argmax gives the position of the maximum, not a mask: return x == np.max(x), an array of x's shape.",
             "np.argmax는 최댓값의 위치(인덱스)이지 마스크가 아닙니다: x와 모양이 같은 배열 x == np.max(x)를 반환하세요."),
        Hint(lambda g: type(g) is np.ndarray and g.ndim == 1 and g.size == x.size,
             "The mask is flattened; it must have the shape of x.", "마스크가 1차원으로 펼쳐졌습니다; x와 모양이 같아야 합니다."),
        Hint(lambda g: type(g) is np.ndarray and g.shape == x.T.shape and x.shape != x.T.shape,
             "The mask has the shape of x transposed.", "마스크가 x를 전치한 모양입니다."),
    ]
    return hints


def check_mask(got, x):
    """The acceptance rule of the module docstring."""
    inputs = {"x": x}
    hints = _hints(x)
    expect_shape(got, x.shape, what=WHAT, inputs=inputs, hints=hints)
    if got.dtype.kind == "b":
        mask = got
    else:
        if not np.isin(got, (0, 1)).all():
            fail(f"{WHAT[0]}: a mask holds True/False (or 1/0), but your array holds other values.\n"
                 f"Got: {format_value(got, 'en')}",
                 f"{WHAT[1]}: 마스크에는 True/False(또는 1/0)만 들어가는데 다른 값이 있습니다.\n"
                 f"받은 값: {format_value(got, 'ko')}",
                 inputs=inputs, got=got,
                 hints=hints + [Hint(lambda g: np.allclose(g, np.where(x == x.max(), x, 0)),
                                     "You returned the maximum's value, not a boolean mask: x == np.max(x).",
                                     "마스크가 아니라 최댓값 자체를 반환했습니다: x == np.max(x).")])
        mask = got != 0
    right = x == x.max()
    ok = np.array_equal(mask, right) or (right.sum() > 1 and mask.sum() == 1 and bool(mask[right].sum() == 1))
    if not ok:
        expected_text = format_value(right, "en")
        ties = int(right.sum()) > 1
        fail(f"{WHAT[0]}: wrong mask.\nExpected: {expected_text}"
             + ("\n(several entries tie for the maximum: marking all of them, or exactly one of them, is accepted)"
                if ties else "")
             + f"\nGot:      {format_value(got, 'en')}",
             f"{WHAT[1]}: 마스크가 틀렸습니다.\n기대한 값: {format_value(right, 'ko')}"
             + ("\n(최댓값이 여러 개: 모두 표시하거나 그중 정확히 하나만 표시해도 됩니다)" if ties else "")
             + f"\n받은 값:   {format_value(got, 'ko')}",
             inputs=inputs, got=got, hints=hints, expected=None if ties else right)   # generic diagnosis


CASES = [
    pytest.param((3, 3), np.float64, 0.0, id="3x3", marks=title("3x3 window, one maximum", "3x3 창, 최댓값 1개")),
    pytest.param((2, 3), np.float64, 0.0, id="2x3", marks=title("non-square 2x3 window", "정사각형이 아닌 2x3 창")),
    pytest.param((3, 3), np.float64, -10.0, id="negative",
                 marks=title("all values negative", "모든 값이 음수")),
    pytest.param((1, 1), np.float64, -0.6, id="1x1", marks=title("1x1 window", "1x1 창")),
    pytest.param((4, 4), np.float32, 0.0, id="float32", marks=title("float32, 4x4 window", "float32, 4x4 창")),
]


@pytest.mark.parametrize("shape, dtype, shift", CASES)
def test_values(student, rng, shape, dtype, shift):
    x = (_cases.distinct(rng, shape, dtype) + shift).astype(dtype)
    check_mask(student(x), x)


@title("ties: all maxima, or exactly one of them, may be marked",
       "동점: 최댓값을 모두 또는 그중 하나만 표시해도 됨")
def test_ties(student, rng):
    x = _cases.distinct(rng, (2, 3))
    ties = rng.choice(x.size, size=2, replace=False)
    x.flat[ties] = x.max() + 0.5      # two entries share the maximum, at salted places (so one column
                                      # always lacks it: a per-column maximum never passes by luck)
    check_mask(student(x), x)


@title("does not modify x", "x를 변경하지 않음")
def test_input_unchanged(student, rng):
    x = _cases.distinct(rng, (3, 2))
    res = student.call_full(x)
    expect_unchanged(x, res.args_after[0], "x", func=FUNC, inputs={"x": x})   # the mask has tests of its own
    expect_computed(res.value, func=FUNC, inputs={"x": x})
