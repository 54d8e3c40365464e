"""Hidden tests: conv_output_shape(input_shape, f, n_filters, pad, stride) -> (n_H, n_W, n_C).

Value tests accept any sequence of three numbers equal to the expected ones
(so a student who returns floats such as 64.0 loses only the type test);
"returns a tuple of three ints" requires a tuple of Python ints or numpy
integers.  Known mistakes caught: round/ceil instead of floor, missing
stride, padding counted once, swapped height/width (non-square inputs),
n_C_prev instead of the number of filters, forgotten "+ 1", float results.
"""
import math

import pytest

from autograder.checks import Hint, expect_equal, expect_int, expect_tuple, fail

FUNC = "conv_output_shape"
WHAT = ("the shape returned by conv_output_shape", "conv_output_shape가 반환한 모양")


def title(en, ko):
    return pytest.mark.title(en=f"{FUNC}: {en}", ko=f"{FUNC}: {ko}")


def _floor(n, f, p, s):
    return (n + 2 * p - f) // s + 1


def _numbers(got):
    return tuple(float(x) for x in got)


def _hints(shape, f, n_filters, pad, stride):
    H, W, C = shape
    right = (_floor(H, f, pad, stride), _floor(W, f, pad, stride), n_filters)

    def like(values, en, ko):
        values = tuple(float(v) for v in values)
        if values == tuple(float(v) for v in right):
            return []
        return [Hint(lambda got: _numbers(got) == values, en, ko)]

    rnd = lambda n: math.floor((n + 2 * pad - f) / stride + 0.5) + 1  # noqa: E731
    return (
        like((rnd(H), rnd(W), n_filters),
             "This is the result of rounding (n + 2*pad - f) / stride; the formula uses the floor: integer division //.",
             "(n + 2*pad - f) / stride를 반올림한 결과입니다; 공식은 내림(floor)입니다: 정수 나눗셈 //를 쓰세요.")
        + like(((H + 2 * pad - f) / stride + 1, (W + 2 * pad - f) / stride + 1, n_filters),
               "You return the exact quotient (n + 2*pad - f) / stride + 1; take its floor with //.",
               "(n + 2*pad - f) / stride + 1을 그대로 반환했습니다; //로 내림하세요.")
        + like((H + 2 * pad - f + 1, W + 2 * pad - f + 1, n_filters),
               "The stride is missing: divide (n + 2*pad - f) by the stride.",
               "스트라이드가 빠졌습니다: (n + 2*pad - f)를 stride로 나누세요.")
        + like((_floor(H, f, pad / 2, stride), _floor(W, f, pad / 2, stride), n_filters),
               "The padding is added on both sides: use n + 2*pad.",
               "패딩은 양쪽에 붙습니다: n + 2*pad를 쓰세요.")
        + like((right[1], right[0], n_filters),
               "Height and width are swapped: input_shape is (n_H_prev, n_W_prev, n_C_prev).",
               "높이와 너비가 바뀌었습니다: input_shape는 (n_H_prev, n_W_prev, n_C_prev)입니다.")
        + like((right[0], right[1], C),
               "The number of output channels is the number of filters (n_filters), not the input's channels.",
               "출력 채널 수는 입력 채널 수가 아니라 필터 개수(n_filters)입니다.")
        + like((right[0] - 1, right[1] - 1, n_filters),
               "The \"+ 1\" of floor((n + 2*pad - f) / stride) + 1 is missing.",
               "floor((n + 2*pad - f) / stride) + 1의 \"+ 1\"이 빠졌습니다.")
    )


def _size(rng, low=6, high=13):
    return int(rng.integers(low, high))


def _nonsquare(rng, even=None):
    """Two different sizes; ``even=True/False`` makes both even/odd, so a stride of 2 divides
    (n + 2p - f) exactly and only the floor case tells floor, round and `/` apart."""
    if even is None:
        H = _size(rng)
        return H, H + int(rng.choice([-3, -2, -1, 1, 2, 3]))
    H = 2 * int(rng.integers(3, 7)) + (0 if even else 1)
    return H, H + int(rng.choice([-4, -2, 2, 4]))


def _lecture(rng):
    return (128, 128, 3), 3, 8, 1, 2


def _case_nonsquare(rng):
    H, W = _nonsquare(rng)
    return (H, W, int(rng.integers(1, 5))), int(rng.integers(2, 4)), int(rng.integers(5, 9)), 0, 1


def _case_floor(rng):
    # (n + 2p - f) leaves remainder 2 on the height (rounding goes up, the floor does not)
    # and remainder 1 on the width (the exact quotient is not an integer).
    f, pad = int(rng.integers(2, 4)), int(rng.integers(0, 2))
    k_H = int(rng.integers(1, 4))
    k_W = k_H + int(rng.integers(1, 3))       # different output sizes: swapped height and width show
    H = f - 2 * pad + 3 * k_H + 2
    W = f - 2 * pad + 3 * k_W + 1
    return (H, W, int(rng.integers(1, 4))), f, int(rng.integers(4, 9)), pad, 3


def _case_same(rng):
    H, W = _nonsquare(rng)
    return (H, W, int(rng.integers(1, 5))), 3, int(rng.integers(5, 9)), 1, 1


def _case_f1(rng):
    H, W = _nonsquare(rng)
    return (H, W, int(rng.integers(5, 9))), 1, int(rng.integers(1, 5)), 0, 1


def _case_pad2(rng):
    H, W = _nonsquare(rng, even=True)
    return (H, W, 1), 4, int(rng.integers(5, 9)), 2, 2


def _case_nfilters(rng):
    H = 2 * int(rng.integers(3, 6)) + 1      # odd: (H - 5) / 2 is exact
    return (H, H, int(rng.integers(8, 17))), 5, int(rng.integers(1, 4)), 0, 2


# Each case fixes the property it tests; the numbers are drawn from the grading context's
# salted ``rng`` (only the public lecture example is fixed), so inputs and expected values
# seen in one context's feedback are not those of another.
CASES = [
    pytest.param(_lecture, id="lecture",
                 marks=title("lecture example: (128, 128, 3) input, 8 filters 3x3, pad 1, stride 2 (floor of 63.5)",
                             "강의 예제: (128, 128, 3) 입력, 3x3 필터 8개, 패딩 1, 스트라이드 2 (63.5의 내림)")),
    pytest.param(_case_nonsquare, id="nonsquare",
                 marks=title("non-square input, stride 1, pad 0", "정사각형이 아닌 입력, 스트라이드 1, 패딩 0")),
    pytest.param(_case_floor, id="floor",
                 marks=title("stride 3 does not divide the size (floor)",
                             "크기가 스트라이드 3으로 나누어떨어지지 않음 (내림)")),
    pytest.param(_case_same, id="same",
                 marks=title("3x3 filters, pad 1, stride 1 keep the size", "3x3 필터, 패딩 1, 스트라이드 1은 크기를 유지")),
    pytest.param(_case_f1, id="f1",
                 marks=title("1x1 filters", "1x1 필터")),
    pytest.param(_case_pad2, id="pad2",
                 marks=title("pad 2, stride 2, one channel, non-square",
                             "패딩 2, 스트라이드 2, 채널 1개, 정사각형 아님")),
    pytest.param(_case_nfilters, id="nfilters",
                 marks=title("n_C is the number of filters, not of input channels",
                             "n_C는 입력 채널 수가 아니라 필터 개수")),
]


@pytest.mark.parametrize("case", CASES)
def test_values(student, rng, case):
    shape, f, n_filters, pad, stride = case(rng)
    inputs = {"input_shape": shape, "f": f, "n_filters": n_filters, "pad": pad, "stride": stride}
    got = student(shape, f, n_filters, pad, stride)
    seq = expect_tuple(got, 3, what=WHAT, names="(n_H, n_W, n_C)", inputs=inputs)
    expected = (_floor(shape[0], f, pad, stride), _floor(shape[1], f, pad, stride), n_filters)
    expect_equal(seq, expected, what=WHAT, inputs=inputs, hints=_hints(shape, f, n_filters, pad, stride))


@pytest.mark.title(en=f"{FUNC}: returns the shape as a tuple of three ints",
                   ko=f"{FUNC}: 모양을 정수 3개의 튜플로 반환")
def test_returns_tuple_of_ints(student, rng):
    H, W = _nonsquare(rng, even=False)
    shape, f, n_filters, pad, stride = (H, W, int(rng.integers(1, 4))), 3, int(rng.integers(4, 9)), 1, 2
    inputs = {"input_shape": shape, "f": f, "n_filters": n_filters, "pad": pad, "stride": stride}
    got = student(shape, f, n_filters, pad, stride)
    hints = [Hint(lambda g: type(g) is list,
                  "Return a tuple, e.g. `return (n_H, n_W, n_C)`, not a list.",
                  "리스트가 아니라 튜플을 반환하세요. 예: `return (n_H, n_W, n_C)`.")]
    seq = expect_tuple(got, 3, what=WHAT, names="(n_H, n_W, n_C)", allow_list=False, inputs=inputs, hints=hints)
    float_hint = [Hint(lambda g: isinstance(g, float),
                       "`/` always gives a float; use integer division `//` (or int()).",
                       "`/`는 항상 실수(float)를 만듭니다; 정수 나눗셈 `//`(또는 int())를 쓰세요.")]
    for name, value in zip(("n_H", "n_W", "n_C"), seq):
        expect_int(value, what=(f"{name} returned by {FUNC}", f"{FUNC}가 반환한 {name}"),
                   inputs=inputs, hints=float_hint)   # only the type: the values have tests of their own
    if any(value < 1 for value in seq):
        # a shape of zeros (or negatives) is no shape: a constant like (0, 0, 0) earns nothing here
        fail(f"{FUNC} returned {seq}: every size of an output shape is at least 1.",
             f"{FUNC}가 {seq}을(를) 반환했습니다: 출력 모양의 크기는 모두 1 이상입니다.", inputs=inputs, got=got)
