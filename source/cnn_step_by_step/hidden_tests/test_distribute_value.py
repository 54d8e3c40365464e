"""Hidden tests: distribute_value(dz, shape) -> array of `shape`, every entry dz / (n_H * n_W).

The result must be a floating numpy array of exactly `shape` (a float32 dz
may give float32 or float64; float32 tolerance then).  Compared with the
reference and with the gradient of F.avg_pool2d over one window.

Known mistakes caught: dz / (n_H + n_W) (equal on a 2x2 window only: the
2x3, 3x3, 1x1 and 4x3 cases catch it), no division, multiplication instead
of division, integer division of an int dz, swapped shape (non-square),
returning a scalar instead of an array.
"""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from autograder.checks import Hint, expect_close, expect_dtype_floating, expect_shape

FUNC = "distribute_value"
WHAT = ("the array returned by distribute_value", "distribute_value가 반환한 배열")


def title(en, ko):
    return pytest.mark.title(en=f"{FUNC}: {en}", ko=f"{FUNC}: {ko}")


def _torch_expected(dz, shape):
    x = torch.zeros((1, 1) + tuple(shape), dtype=torch.float64, requires_grad=True)
    out = F.avg_pool2d(x, kernel_size=tuple(shape))
    (out.sum() * float(dz)).backward()
    return x.grad[0, 0].numpy()


def _hints(dz, shape):
    n_H, n_W = shape
    dz = float(dz)
    right = np.full(shape, dz / (n_H * n_W))
    candidates = [
        (np.full(shape, dz / (n_H + n_W)),
         "This is dz / (n_H + n_W): the average divides by the number of entries, n_H * n_W "
         "(both agree only on a 2x2 window).",
         "dz / (n_H + n_W)입니다: 평균은 원소 개수 n_H * n_W로 나눕니다(2x2 창에서만 둘이 같습니다)."),
        (np.full(shape, dz), "dz is not divided: each entry gets dz / (n_H * n_W).",
         "dz를 나누지 않았습니다: 각 원소는 dz / (n_H * n_W)를 받습니다."),
        (np.full(shape, dz * n_H * n_W), "dz is multiplied by n_H * n_W; it must be divided by it.",
         "dz에 n_H * n_W를 곱했습니다; 나눠야 합니다."),
        (np.full(shape, dz // (n_H * n_W)),
         "This is integer division (//): use / so that, e.g., 7 / 4 gives 1.75.",
         "정수 나눗셈(//) 결과입니다: 예를 들어 7 / 4가 1.75가 되도록 /를 쓰세요."),
    ]
    hints = [Hint.close_to(v, en, ko) for v, en, ko in candidates if not np.allclose(v, right)]
    if n_H != n_W:
        hints.append(Hint.shape((n_W, n_H), "The shape is swapped: return an array of shape (n_H, n_W) = shape.",
                                "모양이 뒤바뀌었습니다: 모양이 (n_H, n_W) = shape인 배열을 반환하세요."))
    hints.append(Hint(lambda g: not isinstance(g, np.ndarray) and isinstance(g, (int, float, np.number)),
                      "Return an array of the window's shape, e.g. np.ones(shape) * average, not a single number.",
                      "숫자 하나가 아니라 창 모양의 배열을 반환하세요. 예: np.ones(shape) * average."))
    return hints


def _real(rng, sign=1.0):
    """A gradient value with two decimals, away from zero."""
    return sign * round(float(rng.uniform(0.5, 9.5)), 2)


def _int_not_divisible(rng, n):
    return int(rng.choice([k for k in range(n + 1, 8 * n) if k % n]))


# Each case fixes the window and the kind of dz it tests; the value of dz comes from the
# salted ``rng``, so the expected arrays differ between grading contexts.
CASES = [
    pytest.param(lambda rng: _real(rng), (2, 2), id="2x2", marks=title("2x2 window", "2x2 창")),
    pytest.param(lambda rng: _real(rng), (2, 3), id="2x3", marks=title("non-square 2x3 window", "정사각형이 아닌 2x3 창")),
    pytest.param(lambda rng: _real(rng, -1.0), (3, 3), id="3x3", marks=title("3x3 window, negative gradient",
                                                                            "3x3 창, 음수 기울기")),
    pytest.param(lambda rng: float(rng.integers(2, 10)), (1, 1), id="1x1", marks=title("1x1 window", "1x1 창")),
    pytest.param(lambda rng: _int_not_divisible(rng, 4), (2, 2), id="int",
                 marks=title("integer dz: true division (e.g. 7 / 4 = 1.75)", "정수 dz: 실수 나눗셈 (예: 7 / 4 = 1.75)")),
    pytest.param(lambda rng: np.float32(_real(rng)), (3, 2), id="float32",
                 marks=title("float32 dz, 3x2 window", "float32 dz, 3x2 창")),
    pytest.param(lambda rng: np.float64(_real(rng)), (4, 3), id="4x3",
                 marks=title("numpy float dz, 4x3 window", "numpy 실수 dz, 4x3 창")),
]


@pytest.mark.parametrize("draw, shape", CASES)
def test_values(student, ref, tol, rng, draw, shape):
    dz = draw(rng)
    inputs = {"dz": dz, "shape": shape}
    got = student(dz, shape)
    hints = _hints(dz, shape)
    expect_shape(got, shape, what=WHAT, inputs=inputs, hints=hints)
    expect_dtype_floating(got, what=WHAT, inputs=inputs, hints=hints)
    float32 = isinstance(dz, np.float32) or None
    expect_close(got, ref.distribute_value(dz, shape), what=WHAT, inputs=inputs, tol=tol, hints=hints,
                 float32=float32)
    expect_close(got, _torch_expected(dz, shape),
                 what=(WHAT[0] + " (compared with the gradient of PyTorch F.avg_pool2d)",
                       WHAT[1] + " (PyTorch F.avg_pool2d의 기울기와 비교)"),
                 inputs=inputs, tol=tol, hints=hints, float32=float32)
