"""Hidden tests: unit_input_gradient(model, x, channel, row, col) -> (C_in, H, W) array.

inside_harness.check_unit_input_gradient builds the model in the worker (the
first blocks of the pretrained DigitCNN, or a stack of positive convolutions),
calls the student's function and returns the gradient and whether x was
changed.  The grader computes the same gradient with the reference on the
same model; for the positive stacks it also checks that the nonzero gradient
fills exactly the receptive field that the reference receptive_field gives.

Known mistakes (hinted): backward() on the whole output (sum of all units),
row and column swapped, the absolute value, x modified (requires_grad set on
the caller's tensor).
"""
import numpy as np
import pytest
import torch

import _inside_cases as C
from autograder.checks import Hint, check, expect_close, expect_shape, fail

FUNC = "unit_input_gradient"
HARNESS = "inside_harness:check_unit_input_gradient"
title = C.titler(FUNC)
WHAT = ("the gradient returned by unit_input_gradient", "unit_input_gradient가 반환한 기울기")


def _gradient(spec, x, channel, row, col, whole=False):
    model = C.build(spec)
    xx = torch.from_numpy(x).clone().requires_grad_(True)
    out = model(xx)
    (out.sum() if whole else out[0, channel, row, col]).backward()
    return xx.grad[0].numpy()


def _run(student, ref, tol, spec, x, channel, row, col):
    inputs = {"x": x, "channel": channel, "row": row, "col": col}
    reply = C.expect_reply(student.harness(HARNESS, spec, x, channel, row, col), ["returned", "x_changed"], FUNC)
    got = C.as_array(reply["returned"])
    if got is None:
        got_en, got_ko = C.kind_of(reply["returned"])
        fail(f"unit_input_gradient must return a numpy array of shape (C_in, H, W); it returned {got_en}.",
             f"unit_input_gradient는 모양 (C_in, H, W)의 numpy 배열을 반환해야 하는데 {got_ko}을(를) 반환했습니다.")
    expected = ref.unit_input_gradient(C.build(spec), torch.from_numpy(x), channel, row, col)
    hints = [Hint.close_to(_gradient(spec, x, channel, row, col, whole=True), "This is the gradient of the sum of "
                           "all outputs: call backward() on the one unit model(x)[0, channel, row, col].",
                           "모든 출력의 합의 기울기입니다. 유닛 하나 model(x)[0, channel, row, col]에 backward()를 호출하세요."),
             Hint.close_to(np.abs(expected), "Return the gradient itself, not its absolute value.",
                           "절댓값이 아니라 기울기 자체를 반환하세요.")]
    if row != col:
        hints.append(Hint.close_to(_gradient(spec, x, channel, col, row), "Row and column are swapped: the unit is "
                                   "model(x)[0, channel, row, col].", "행과 열이 바뀌었습니다: 유닛은 "
                                   "model(x)[0, channel, row, col]입니다."))
    expect_shape(got, expected.shape, what=WHAT, inputs=inputs, hints=hints)
    expect_close(got, expected, what=WHAT, inputs=inputs, tol=tol, hints=hints, float32=True)
    return reply, got


def _live_unit(spec, x, row, col, rng):
    """A channel that is active at (row, col) for this input (a dead unit has a zero gradient everywhere)."""
    with torch.no_grad():
        out = C.build(spec)(torch.from_numpy(x))[0, :, row, col].numpy()
    live = np.flatnonzero(out > 0)
    return int(rng.choice(live)) if live.size else int(out.argmax())


@title("first two blocks of the pretrained network, one digit", "사전 훈련된 신경망의 처음 두 블록, 숫자 한 장")
@pytest.mark.weight(2)
def test_digit_blocks(student, ref, tol, rng):
    spec, x = {"digit": 2}, C.digits(1, int(rng.integers(0, 179)))
    row, col = int(rng.integers(0, 3)), int(rng.integers(0, 3))
    if row == col:
        col = (col + 1) % 3
    _run(student, ref, tol, spec, x, _live_unit(spec, x, row, col, rng), row, col)


@title("the nonzero gradient fills the receptive field (positive convolutions)",
       "0이 아닌 기울기가 수용 영역을 채움 (양수 합성곱)")
@pytest.mark.weight(2)
def test_fills_receptive_field(student, ref, tol, rng):
    layers = [["conv", 2, 3, 3, 1, 0], ["relu"], ["conv", 3, 2, 3, 2, 0], ["relu"], ["conv", 2, 2, 2, 1, 0]]
    spec = {"stack": layers, "seed": int(rng.integers(0, 1000)), "positive": True}
    x = rng.random((1, 2, 16, 14)).astype(np.float32) + 0.1
    row, col = int(rng.integers(0, 4)), int(rng.integers(0, 3))
    _, got = _run(student, ref, tol, spec, x, int(rng.integers(0, 2)), row, col)
    size, jump = ref.receptive_field([(3, 1), (3, 2), (2, 1)])
    rows = np.flatnonzero(np.abs(got).sum(axis=(0, 2)))
    cols = np.flatnonzero(np.abs(got).sum(axis=(0, 1)))
    check(rows.size and cols.size and (rows[0], rows[-1] + 1) == (row * jump, row * jump + size)
          and (cols[0], cols[-1] + 1) == (col * jump, col * jump + size),
          f"The nonzero gradient should cover input rows and columns {row * jump}..{row * jump + size - 1} and "
          f"{col * jump}..{col * jump + size - 1} (the {size}x{size} receptive field).",
          f"0이 아닌 기울기는 입력의 행 {row * jump}..{row * jump + size - 1}, 열 {col * jump}..{col * jump + size - 1}"
          f"({size}x{size} 수용 영역)을 덮어야 합니다.")


@title("x is not modified", "x를 바꾸지 않음")
def test_x_unchanged(student):
    reply = C.expect_reply(student.harness(HARNESS, {"digit": 1}, C.digits(1), 0, 2, 3),
                           ["returned", "x_changed", "x_requires_grad"], FUNC)
    check(not reply["x_changed"] and not reply["x_requires_grad"],
          "unit_input_gradient changed the caller's x (its values or requires_grad): work on "
          "x.detach().clone().requires_grad_(True).",
          "unit_input_gradient가 호출한 쪽의 x(값이나 requires_grad)를 바꾸었습니다. "
          "x.detach().clone().requires_grad_(True)로 작업하세요.")
