"""Hidden tests: receptive_field(layers) -> (size, jump).

Checked against the reference and against PyTorch itself: for every stack the
grader builds the convolutions with positive weights and measures the extent
of the nonzero gradient of one output unit with respect to the input.  Known
mistakes (hinted): sum of the kernels (strides ignored), the jump updated
before the size, floats.
"""
import numpy as np
import pytest
import torch

import _inside_cases as C
from autograder.checks import Hint, check, expect_equal, expect_tuple

FUNC = "receptive_field"
title = C.titler(FUNC)
WHAT = ("(size, jump) returned by receptive_field", "receptive_field가 반환한 (size, jump)")


def measured(layers):
    """Size of the input window one unit depends on, measured with autograd (positive weights, no padding)."""
    net = torch.nn.Sequential(*[torch.nn.Conv2d(1, 1, k, stride=s, bias=False) for k, s in layers]).double()
    with torch.no_grad():
        for conv in net:
            conv.weight.fill_(1.0)
    size_in = 1
    for k, s in reversed(layers):
        size_in = (size_in - 1) * s + k
    x = torch.ones(1, 1, size_in + 8, size_in + 8, dtype=torch.float64, requires_grad=True)
    net(x)[0, 0, 0, 0].backward()
    rows = torch.nonzero(x.grad[0, 0].sum(dim=1)).flatten()
    return int(rows.max() - rows.min() + 1), int(np.prod([s for _, s in layers]))


def hints(layers):
    wrong = {(sum(k for k, _ in layers) - len(layers) + 1, int(np.prod([s for _, s in layers]))):
             ("With strides > 1, a later kernel covers (k - 1) * jump input pixels: size += (k - 1) * jump.",
              "스트라이드가 1보다 크면 뒤쪽 커널은 입력 픽셀 (k - 1) * jump개를 덮습니다: size += (k - 1) * jump.")}
    size, jump = 1, 1
    for k, s in layers:
        jump *= s
        size += (k - 1) * jump
    wrong.setdefault((size, jump), ("Update the size with the jump of the layer's input first, then multiply the "
                                    "jump by the stride.", "먼저 층 입력의 점프로 크기를 갱신한 다음 점프에 스트라이드를 곱하세요."))
    return [Hint(lambda g, v=v: type(g) in (tuple, list) and tuple(C.number(x) for x in g) == v, en, ko)
            for v, (en, ko) in wrong.items()]


def _check(student, ref, layers):
    inputs = {"layers": layers}
    got = expect_tuple(student([tuple(l) for l in layers]), 2, what=WHAT, names="(size, jump)", inputs=inputs)
    expected = tuple(ref.receptive_field(layers))
    if expected != measured(layers):      # a grader problem, reported as such (not the student's)
        raise RuntimeError(f"reference and autograd disagree on {layers}")
    expect_equal(tuple(C.number(x) for x in got), tuple(float(v) for v in expected), what=WHAT, inputs=inputs,
                 hints=hints(layers))


@title("DigitCNN blocks: (4, 2), (10, 4), (22, 8)", "DigitCNN 블록: (4, 2), (10, 4), (22, 8)")
@pytest.mark.weight(2)
def test_digit_blocks(student, ref):
    for blocks in (1, 2, 3):
        _check(student, ref, [(3, 1), (2, 2)] * blocks)


@title("random stacks, checked with autograd (salted)", "무작위 층 쌓기, autograd로 확인")
@pytest.mark.weight(2)
def test_random_stacks(student, ref, rng):
    for _ in range(3):
        layers = [(int(rng.integers(1, 6)), int(rng.integers(1, 4))) for _ in range(int(rng.integers(2, 5)))]
        # Every stack has a stride > 1 followed by a kernel > 1: where strides matter, whatever the salt.
        layers[0] = (layers[0][0], max(2, layers[0][1]))
        layers[1] = (max(2, layers[1][0]), layers[1][1])
        _check(student, ref, layers)


@title("an empty stack sees one pixel", "빈 층은 픽셀 하나를 봄")
def test_empty(student):
    got = expect_tuple(student([]), 2, what=WHAT, names="(size, jump)", inputs={"layers": []})
    expect_equal(tuple(C.number(x) for x in got), (1.0, 1.0), what=WHAT, inputs={"layers": []})


@title("returns two ints", "int 두 개를 반환")
def test_returns_ints(student):
    got = expect_tuple(student([(3, 1), (2, 2)]), 2, what=WHAT, names="(size, jump)", inputs={"layers": [(3, 1), (2, 2)]})
    check(all(type(x) is int or isinstance(x, np.integer) for x in got),
          f"size and jump must be ints, got {[type(x).__name__ for x in got]}.",
          f"size와 jump는 int여야 하는데 {[type(x).__name__ for x in got]}입니다.")
