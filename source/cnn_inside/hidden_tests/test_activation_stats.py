"""Hidden tests: activation_stats(activation) -> (sparsity, dead_fraction).

The activation tensors are built here (ReLU outputs of the pretrained
network on salted batches of digits, a network with filters killed on
purpose, hand examples) and sent as tensors.  Compared with the reference and
with a plain numpy count.  Known mistakes (hinted): the fraction of nonzero
values, a filter counted dead when it is zero on *some* image (per image
instead of over the batch), the number of dead filters instead of the
fraction, 0-d tensors instead of floats.
"""
import numpy as np
import pytest
import torch

import _inside_cases as C
from autograder.checks import Hint, check, expect_close, expect_tuple

FUNC = "activation_stats"
title = C.titler(FUNC)
WHAT = ("the value returned by activation_stats", "activation_stats의 반환값")


def _plain(act: np.ndarray):
    alive = (act > 0).any(axis=(0, 2, 3))
    return float((act == 0).mean()), float(1 - alive.mean())


def _check(student, ref, tol, act: torch.Tensor, which=(0, 1)):
    inputs = {"activation": act.numpy()}
    got = expect_tuple(student(act), 2, what=WHAT, names="(sparsity, dead_fraction)", inputs=inputs)
    plain = _plain(act.numpy())
    expected = ref.activation_stats(act)
    arr = act.numpy()
    per_image = float(((arr > 0).any(axis=(2, 3)) == 0).any(axis=0).mean())
    hints = {0: [Hint.close_to(1 - plain[0], "Sparsity is the fraction of values equal to 0, not of nonzero values.",
                               "희소도는 0이 아닌 값이 아니라 0인 값의 비율입니다.")],
             1: [Hint.close_to(per_image, "A filter is dead only if it is 0 for EVERY image and position of the "
                               "batch, not on some image.",
                               "필터가 죽었다는 것은 배치의 모든 이미지, 모든 위치에서 0이라는 뜻입니다. 일부 이미지가 아닙니다."),
                 *[Hint.close_to(plain[1] * arr.shape[1], "Return the fraction of dead filters (divide by C), not their "
                               "number.", "죽은 필터의 개수가 아니라 비율을 반환하세요(C로 나누기).")] * (not np.isclose(per_image, plain[1] * arr.shape[1]))]}
    for k in which:
        name = ("sparsity", "dead_fraction")[k]
        value = C.number(got[k])
        what = (f"{name} returned by activation_stats", f"activation_stats가 반환한 {name}")
        expect_close(value if value is not None else got[k], expected[k], what=what, inputs=inputs, tol=tol,
                     hints=hints[k])
        expect_close(value if value is not None else got[k], plain[k], what=what, inputs=inputs, tol=tol,
                     hints=hints[k])


def _digit_acts(rng, blocks, n=40):
    model = C.build({"digit": blocks})
    with torch.no_grad():
        return model(torch.from_numpy(C.digits(n, int(rng.integers(0, 140)))))


@title("hand example: two nonzero values, one dead channel", "손 계산 예제: 0이 아닌 값 두 개, 죽은 채널 하나")
def test_hand_example(student, ref, tol):
    act = torch.zeros(2, 3, 2, 2)
    act[0, 0, 0, 0], act[1, 2, 1, 1] = 1.5, 0.25
    _check(student, ref, tol, act)


@title("sparsity of the pretrained network's activations", "사전 훈련된 신경망 활성화의 희소도")
@pytest.mark.weight(2)
def test_sparsity(student, ref, tol, rng):
    _check(student, ref, tol, _digit_acts(rng, 1), which=(0,))


@title("dead filters of the second block", "두 번째 블록의 죽은 필터")
@pytest.mark.weight(2)
def test_dead_filters(student, ref, tol, rng):
    _check(student, ref, tol, _digit_acts(rng, 2), which=(1,))


@title("filters killed by a large negative bias (too large a step)", "큰 음수 편향으로 죽인 필터 (너무 큰 갱신)")
def test_killed_filters(student, ref, tol, rng):
    model = C.build({"digit": 1})
    killed = rng.choice(32, size=int(rng.integers(3, 12)), replace=False)
    with torch.no_grad():
        model[0][0].bias[torch.from_numpy(killed)] = -100.0
        act = model[0][1](model[0][0](torch.from_numpy(C.digits(20))))
    _check(student, ref, tol, act)


@title("returns two Python floats", "파이썬 float 두 개를 반환")
def test_returns_floats(student):
    act = torch.relu(torch.randn(2, 4, 3, 3, generator=torch.Generator().manual_seed(0)))
    got = expect_tuple(student(act), 2, what=WHAT, names="(sparsity, dead_fraction)", inputs={"activation": act})
    check(all(isinstance(v, (float, np.floating)) and not isinstance(v, bool) for v in got),
          f"Both values must be Python floats, got {[type(v).__name__ for v in got]} (use .item() on a 0-d tensor).",
          f"두 값 모두 파이썬 float여야 하는데 {[type(v).__name__ for v in got]}입니다(0차원 텐서에는 .item()을 쓰세요).")
