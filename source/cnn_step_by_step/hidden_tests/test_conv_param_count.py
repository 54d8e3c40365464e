"""Hidden tests: conv_param_count(f, n_C_prev, n_filters) -> (f*f*n_C_prev + 1) * n_filters.

Value tests accept any real number equal to the count (224.0 passes them);
"returns an int" requires a Python int or numpy integer.  Known mistakes
caught: bias forgotten, one bias per input channel, input channels
forgotten, f instead of f*f, float result.
"""
import pytest

from autograder.checks import Hint, describe, expect_equal, expect_int, fail, is_scalar

FUNC = "conv_param_count"
WHAT = ("the count returned by conv_param_count", "conv_param_count가 반환한 개수")


def title(en, ko):
    return pytest.mark.title(en=f"{FUNC}: {en}", ko=f"{FUNC}: {ko}")


def _hints(f, c, n):
    right = (f * f * c + 1) * n
    mistakes = [
        (f * f * c * n, "The biases are missing: every filter has one bias.",
         "편향이 빠졌습니다: 필터마다 편향이 1개 있습니다."),
        ((f * f * c + c) * n, "A filter has one bias, not one per input channel.",
         "편향은 입력 채널마다가 아니라 필터마다 1개입니다."),
        ((f * f + 1) * n, "Each filter has f*f weights per input channel: multiply by n_C_prev.",
         "필터 하나는 입력 채널마다 f*f개의 가중치를 가집니다: n_C_prev를 곱하세요."),
        ((f * c + 1) * n, "A filter is f x f (x n_C_prev): use f*f, not f.",
         "필터 크기는 f x f (x n_C_prev)입니다: f가 아니라 f*f입니다."),
        ((f * f * c + 1) * c, "Multiply by the number of filters n_filters, not by n_C_prev.",
         "n_C_prev가 아니라 필터 개수 n_filters를 곱하세요."),
    ]
    return [Hint(lambda got, v=v: is_scalar(got) and float(got) == v, en, ko)
            for v, en, ko in mistakes if v != right]


def _draw(rng, low, high):
    return int(rng.integers(low, high + 1))


# Each case fixes the property it tests; its numbers come from the salted ``rng``
# (only the public lecture example is fixed).
CASES = [
    pytest.param(lambda rng: (3, 3, 8), id="lecture", marks=title("lecture example: 8 filters of 3x3x3 (224)",
                                                                  "강의 예제: 3x3x3 필터 8개 (224)")),
    pytest.param(lambda rng: (3, 1, _draw(rng, 8, 128)), id="grey",
                 marks=title("3x3 filters on a grey image (one channel)", "흑백 이미지(채널 1개)에 3x3 필터")),
    pytest.param(lambda rng: (1, _draw(rng, 8, 32), _draw(rng, 2, 6)), id="f1", marks=title("1x1 filters", "1x1 필터")),
    pytest.param(lambda rng: (5, 3, _draw(rng, 4, 16)), id="f5", marks=title("5x5 filters, 3 channels",
                                                                             "5x5 필터, 채널 3개")),
    pytest.param(lambda rng: (_draw(rng, 2, 7), _draw(rng, 2, 32), 1), id="one", marks=title("a single filter",
                                                                                            "필터 1개")),
    pytest.param(lambda rng: (4, 2, _draw(rng, 3, 9)), id="misc", marks=title("4x4 filters, 2 channels",
                                                                              "4x4 필터, 채널 2개")),
]


@pytest.mark.parametrize("case", CASES)
def test_values(student, rng, case):
    f, n_C_prev, n_filters = case(rng)
    inputs = {"f": f, "n_C_prev": n_C_prev, "n_filters": n_filters}
    got = student(f, n_C_prev, n_filters)
    if not is_scalar(got):
        fail(f"{FUNC} must return a number; it returned {describe(got, 'en')}.",
             f"{FUNC}은(는) 숫자를 반환해야 하는데 {describe(got, 'ko')}을(를) 반환했습니다.",
             inputs=inputs, got=got)
    expect_equal(got, (f * f * n_C_prev + 1) * n_filters, what=WHAT, inputs=inputs,
                 hints=_hints(f, n_C_prev, n_filters))


@title("returns the count as an int", "개수를 int(정수)로 반환")
def test_returns_int(student, rng):
    f, n_C_prev, n_filters = 3, _draw(rng, 2, 6), _draw(rng, 5, 12)
    inputs = {"f": f, "n_C_prev": n_C_prev, "n_filters": n_filters}
    got = student(f, n_C_prev, n_filters)
    expect_int(got, what=WHAT, inputs=inputs,
               hints=[Hint(lambda g: isinstance(g, float),
                           "A count is an int: avoid `/` (it gives a float) or convert with int().",
                           "개수는 정수입니다: `/`(실수가 됨)를 피하거나 int()로 변환하세요.")])
    # only the type: the count itself has the value tests
