"""Hidden tests: dropout_forward(A, keep_prob, train, seed) -> (out, mask).

Training: out and mask compared with the reference (the mask drawn as the
notebook prescribes) and with the scale PyTorch's F.dropout gives kept units;
expectation preserved (the mean of a large all-ones input stays near 1,
whatever mask was drawn); evaluation: the input unchanged and nothing dropped.
Known mistakes (hinted): no scaling, scaling by 1 - keep_prob, keep_prob
used as the drop probability, dropping or scaling in evaluation.
"""
import numpy as np
import pytest
import torch

import _inside_cases as C
from autograder.checks import Hint, check, expect_close, expect_equal, expect_shape, expect_tuple

FUNC = "dropout_forward"
title = C.titler(FUNC)
WHAT_RESULT = ("the value returned by dropout_forward", "dropout_forward의 반환값")
WHAT_OUT = ("out returned by dropout_forward", "dropout_forward가 반환한 out")
WHAT_MASK = ("mask returned by dropout_forward", "dropout_forward가 반환한 mask")


def _mask(shape, p, seed):
    return np.random.default_rng(seed).random(shape) < p


def _out_hints(A, p, seed):
    keep, drop = _mask(A.shape, p, seed), _mask(A.shape, 1 - p, seed)
    return [Hint.close_to(A * keep, "Inverted dropout divides the kept units by keep_prob (expectation preserved).",
                          "역 드롭아웃은 남긴 유닛을 keep_prob로 나눕니다(기댓값 유지)."),
            Hint.close_to(A * keep / (1 - p), "Divide by keep_prob, the probability of keeping a unit, not 1 - keep_prob.",
                          "1 - keep_prob가 아니라 유닛을 남길 확률 keep_prob로 나누세요."),
            Hint.close_to(A * drop / p, "keep_prob is the probability of KEEPING a unit: mask = rng.random(A.shape) "
                          "< keep_prob.", "keep_prob는 유닛을 남길 확률입니다: mask = rng.random(A.shape) < keep_prob.")]


def _call(student, A, p, train, seed):
    inputs = {"A": A, "keep_prob": p, "train": train, "seed": seed}
    out, mask = expect_tuple(student(A, p, train, seed), 2, what=WHAT_RESULT, names="(out, mask)", inputs=inputs)
    return inputs, out, mask


@pytest.mark.parametrize("shape, p", [
    pytest.param((4, 6), 0.8, id="p08", marks=title("training, keep_prob 0.8", "훈련, keep_prob 0.8")),
    pytest.param((2, 3, 4, 2), 0.5, id="p05", marks=title("training, 4-D, keep_prob 0.5", "훈련, 4차원, keep_prob 0.5")),
])
@pytest.mark.weight(2)
def test_train(student, ref, tol, rng, shape, p):
    A, seed = C.randn(rng, shape), int(rng.integers(0, 2**31))
    inputs, out, mask = _call(student, A, p, True, seed)
    expected_out, expected_mask = ref.dropout_forward(A, p, True, seed)
    hints = _out_hints(A, p, seed)
    expect_shape(out, A.shape, what=WHAT_OUT, inputs=inputs, hints=hints)
    expect_close(out, expected_out, what=WHAT_OUT, inputs=inputs, tol=tol, hints=hints)
    expect_equal(mask, expected_mask, what=WHAT_MASK, inputs=inputs)


@title("kept units are scaled as PyTorch's F.dropout scales them", "남긴 유닛의 배율이 PyTorch F.dropout과 같음")
def test_scale_like_torch(student, rng):
    A, p = np.ones((8, 8)), 0.75
    inputs, out, _ = _call(student, A, p, True, int(rng.integers(0, 2**31)))
    with torch.no_grad():
        kept = torch.nn.functional.dropout(torch.ones(1000), p=1 - p, training=True)
    torch_scale = float(kept[kept != 0][0])
    out = expect_shape(out, A.shape, what=WHAT_OUT, inputs=inputs, hints=_out_hints(A, p, 0))
    values = np.unique(out)
    check(bool(np.all(np.isclose(values, 0.0) | np.isclose(values, torch_scale, rtol=1e-6))),
          f"On an input of ones, out must hold only 0 (dropped) and 1 / keep_prob = {torch_scale:g} (kept), as "
          f"F.dropout gives; got the values {values[:6].tolist()}.",
          f"1로 된 입력에서 out에는 0(버림)과 1 / keep_prob = {torch_scale:g}(남김)만 있어야 합니다(F.dropout과 같이). "
          f"반환값에는 {values[:6].tolist()}가 있습니다.")


@title("expectation preserved: the mean of 40,000 ones stays near 1", "기댓값 유지: 1 40,000개의 평균이 1 근처")
@pytest.mark.weight(2)
def test_expectation(student, rng):
    A, p = np.ones((200, 200)), 0.6
    inputs, out, mask = _call(student, A, p, True, int(rng.integers(0, 2**31)))
    out = expect_shape(out, A.shape, what=WHAT_OUT, inputs=inputs)
    mean = float(np.mean(out))
    # 40,000 draws: the mean's standard deviation is about 0.004 here; 0.05 is more than 10 of them.
    check(abs(mean - 1.0) < 0.05,
          f"The mean of out is {mean:.3f} on an input of ones; inverted dropout keeps it near 1 (divide the kept "
          f"units by keep_prob).",
          f"1로 된 입력에서 out의 평균이 {mean:.3f}입니다. 역 드롭아웃에서는 1 근처여야 합니다(남긴 유닛을 keep_prob로 "
          f"나누세요).")
    kept = float(np.mean(np.asarray(mask, dtype=float))) if type(mask) is np.ndarray else -1.0
    check(abs(kept - p) < 0.05, f"The mask keeps {kept:.3f} of the units; it should keep about keep_prob = {p}.",
          f"마스크가 유닛의 {kept:.3f}를 남깁니다. keep_prob = {p} 정도를 남겨야 합니다.")


@title("evaluation: nothing dropped, nothing scaled", "평가: 버리지도, 배율을 바꾸지도 않음")
@pytest.mark.weight(2)
def test_eval(student, rng):
    A = C.randn(rng, (3, 5))
    inputs, out, mask = _call(student, A, 0.5, False, 1)
    expect_close(out, A, what=WHAT_OUT, inputs=inputs,
                 hints=[Hint(lambda g: True, "With train=False the layer does nothing: return a copy of A.",
                             "train=False이면 이 층은 아무것도 하지 않습니다. A의 복사본을 반환하세요.")])
    expect_equal(mask, np.ones(A.shape, dtype=bool), what=WHAT_MASK, inputs=inputs)
