"""Hidden tests: fc_forward(A, W, b) -> (Z, cache).

Compared with the reference and F.linear.  Non-square weights catch W used
transposed.  Known mistakes (hinted): the bias missing, W.T, returning Z only.
"""
import numpy as np
import pytest

import _inside_cases as C
from autograder.checks import Hint, expect_close, expect_equal, expect_shape, expect_tuple

FUNC = "fc_forward"
title = C.titler(FUNC)
WHAT_RESULT = ("the value returned by fc_forward", "fc_forward의 반환값")
WHAT = ("Z returned by fc_forward", "fc_forward가 반환한 Z")
WHAT_TORCH = ("Z (compared with PyTorch F.linear)", "Z (PyTorch F.linear와 비교)")


@pytest.mark.parametrize("m, n_in, n_out, dtype", [
    pytest.param(3, 4, 2, np.float64, id="small", marks=title("A (3, 4), W (4, 2)", "A (3, 4), W (4, 2)")),
    pytest.param(5, 128, 10, np.float64, id="head", marks=title("a classifier head: 128 features -> 10 classes",
                                                                "분류기: 특성 128개 -> 클래스 10개")),
    pytest.param(2, 6, 3, np.float32, id="f32", marks=title("float32", "float32")),
])
def test_values(student, ref, tol, rng, m, n_in, n_out, dtype):
    A, W, b = C.randn(rng, (m, n_in), dtype), C.randn(rng, (n_in, n_out), dtype), C.randn(rng, (1, n_out), dtype)
    inputs = {"A": A, "W": W, "b": b}
    Z, _ = expect_tuple(student(A, W, b), 2, what=WHAT_RESULT, names="(Z, cache)", inputs=inputs,
                        hints=[Hint(lambda g: type(g) is np.ndarray, "Return the pair (Z, cache), cache = (A, W, b).",
                                    "(Z, cache) 쌍을 반환하세요. cache = (A, W, b).")])
    hints = [Hint.close_to(A.astype(np.float64) @ W, "The bias b is missing: Z = A @ W + b.",
                           "편향 b가 빠졌습니다: Z = A @ W + b.")]
    expect_shape(Z, (m, n_out), what=WHAT, inputs=inputs, hints=hints)
    with C.torch.no_grad():
        torch_z = C.F.linear(C._t(A), C._t(W).T, C._t(b).reshape(-1)).numpy()
    float32 = (dtype == np.float32) or None
    expect_close(Z, ref.fc_forward(A, W, b)[0], what=WHAT, inputs=inputs, tol=tol, hints=hints, float32=float32)
    expect_close(Z, torch_z, what=WHAT_TORCH, inputs=inputs, tol=tol, float32=float32)


@title("returns the cache (A, W, b)", "캐시 (A, W, b)를 반환")
def test_cache(student, rng):
    A, W, b = C.randn(rng, (2, 3)), C.randn(rng, (3, 4)), C.randn(rng, (1, 4))
    inputs = {"A": A, "W": W, "b": b}
    _, cache = expect_tuple(student(A, W, b), 2, what=WHAT_RESULT, names="(Z, cache)", inputs=inputs)
    cache = expect_tuple(cache, 3, what=("the cache", "캐시"), names="(A, W, b)", inputs=inputs)
    for k, (name, value) in enumerate(zip("AWb", (A, W, b))):
        expect_equal(cache[k], value, what=(f"cache[{k}] (must be {name})", f"cache[{k}] ({name}이어야 함)"),
                     inputs=inputs)
