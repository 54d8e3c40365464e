"""Hidden tests: normalize_filters(weight) -> array of the same shape, each filter in [0, 1].

The weight tensors are sent as tensors; a tensor answer is accepted as well as
a numpy array.  Compared with the reference and with a direct min-max per
filter.  Known mistakes (hinted): one global minimum and maximum for all
filters, per-channel instead of per-filter scaling (C_in > 1), a constant
filter giving NaN (division by 0), modifying the layer's weights in place.
"""
import numpy as np
import pytest
import torch

import _inside_cases as C
from autograder.checks import Hint, check, expect_close, expect_shape, expect_unchanged

FUNC = "normalize_filters"
title = C.titler(FUNC)
WHAT = ("the array returned by normalize_filters", "normalize_filters가 반환한 배열")


def hints(w):
    w = w.astype(np.float64)
    per_channel_low = w.min(axis=(2, 3), keepdims=True)
    span = np.maximum(w.max(axis=(2, 3), keepdims=True) - per_channel_low, 1e-300)
    return [Hint.close_to((w - w.min()) / (w.max() - w.min()), "Scale each filter with its own minimum and maximum "
                          "(over axes 1, 2, 3), not with those of all the filters.",
                          "모든 필터가 아니라 필터마다 자신의 최솟값과 최댓값(축 1, 2, 3)으로 배율을 맞추세요."),
            Hint.close_to((w - per_channel_low) / span, "A filter is all its input channels together: take the minimum "
                          "and maximum over axes 1, 2, 3, not per channel.",
                          "필터는 모든 입력 채널을 합친 것입니다. 채널별이 아니라 축 1, 2, 3에 대해 최솟값과 최댓값을 구하세요."),
            Hint(lambda g: type(g) is np.ndarray and g.dtype.kind == "f" and np.isnan(g).any(),
                 "A constant filter has max - min = 0: give it 0.5 instead of dividing by 0.",
                 "상수 필터는 max - min = 0입니다. 0으로 나누지 말고 0.5를 주세요.")]


def _check(student, ref, tol, weight: torch.Tensor):
    inputs = {"weight": weight.numpy()}
    got = C.as_array(student(weight))
    w = weight.numpy()
    expect_shape(got, w.shape, what=WHAT, inputs=inputs, hints=hints(w))
    expect_close(got, ref.normalize_filters(weight), what=WHAT, inputs=inputs, tol=tol, hints=hints(w), float32=True)


@title("the first-layer filters of the pretrained network", "사전 훈련된 신경망의 첫 번째 층 필터")
@pytest.mark.weight(2)
def test_pretrained_first_layer(student, ref, tol):
    _check(student, ref, tol, C.build({"digit": 0}).features[0][0].weight.detach().clone())


@title("filters with 3 input channels (salted)", "입력 채널이 3개인 필터")
def test_three_channels(student, ref, tol, rng):
    _check(student, ref, tol, torch.from_numpy(C.randn(rng, (5, 3, 3, 3)) * rng.uniform(0.1, 5, (5, 1, 1, 1))))


@title("a constant filter becomes 0.5", "상수 필터는 0.5")
def test_constant_filter(student, ref, tol, rng):
    w = C.randn(rng, (3, 1, 2, 2))
    w[1] = -0.75
    _check(student, ref, tol, torch.from_numpy(w))


@title("does not modify the weights", "가중치를 바꾸지 않음")
def test_weights_unchanged(student, rng):
    w = torch.from_numpy(C.randn(rng, (4, 1, 3, 3)))
    res = student.call_full(w)
    after = C.as_array(res.args_after[0])
    expect_unchanged(w.numpy(), after if after is not None else res.args_after[0], "weight", func=FUNC,
                     inputs={"weight": w.numpy()})
    check(C.as_array(res.value) is not None,
          "normalize_filters must return an array (a numpy array; a tensor is accepted too).",
          "normalize_filters는 배열을 반환해야 합니다(numpy 배열; 텐서도 인정).")
