"""The reference solutions of ``cnn_step_by_step`` against PyTorch.

Every forward and backward function of the source notebook is compared with
``torch.nn.functional`` (``conv2d``, ``max_pool2d``, ``avg_pool2d``) and with
``torch.autograd`` over random shapes drawn by hypothesis: non-square inputs,
batch 1, one channel, ``f == 1``, ``f`` equal to the padded input size,
``pad == 0``, ``stride > f``, strides that do not divide the size (floor), and
overlapping pooling windows (``stride < f``).  The edge cases are also pinned
with ``@example`` so they run whatever hypothesis draws.

Layout conversions: the assignment is NHWC with ``W`` of shape
``(f, f, n_C_prev, n_C)``; torch is NCHW with weights ``(n_C, n_C_prev, f, f)``.

Tolerance: ``rtol=1e-10, atol=1e-12`` in float64 on both sides.  The reference
and torch add up exactly the same products; the only difference is the
summation order (and torch's blocked kernels), which in float64 costs a few
ulps per term: with at most a few hundred terms of magnitude <= ~10 the
absolute error stays below ~1e-13.  ``atol`` covers sums that cancel to ~0,
where a relative bound is meaningless.  Any real mistake (a missing term, a
wrong index, a wrong divisor) is of order 1e-2 or larger.

Max pooling backward: the inputs are continuous random values, so ties inside
a window have probability zero (and are excluded explicitly with ``assume``).
With ties torch routes the gradient to one maximal entry while the reference
mask marks all of them; that behaviour is pinned separately in
``test_mask_marks_every_tied_maximum`` and ``test_pool_backward_with_a_tie``.

Hypothesis runs derandomized (``derandomize=True``) so the file is
deterministic; ``torch.set_num_threads(1)`` keeps torch's summation order
fixed too.
"""
from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from autograder.engine.reference import load_reference

NOTEBOOK = Path(__file__).resolve().parents[2] / "source" / "cnn_step_by_step" / "cnn_step_by_step.ipynb"
ref = load_reference(NOTEBOOK)

torch.set_num_threads(1)

RTOL, ATOL = 1e-10, 1e-12

PROFILE = settings(
    derandomize=True,
    deadline=None,
    max_examples=400,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
FAST_PROFILE = settings(PROFILE, max_examples=500)


# ---------------------------------------------------------------- helpers
def nchw(a: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(a.transpose(0, 3, 1, 2)))


def nhwc(t: torch.Tensor) -> np.ndarray:
    return t.detach().numpy().transpose(0, 2, 3, 1)


def weights_to_torch(W: np.ndarray) -> torch.Tensor:
    # (f, f, n_C_prev, n_C) -> (n_C, n_C_prev, f, f)
    return torch.from_numpy(np.ascontiguousarray(W.transpose(3, 2, 0, 1)))


def weights_from_torch(t: torch.Tensor) -> np.ndarray:
    return t.detach().numpy().transpose(2, 3, 1, 0)


def assert_close(got, expected, what):
    got = np.asarray(got)
    expected = np.asarray(expected)
    assert got.shape == expected.shape, f"{what}: shape {got.shape} != {expected.shape}"
    assert got.dtype == np.float64, f"{what}: dtype {got.dtype}, expected float64"
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL, err_msg=what)


class ConvCase(NamedTuple):
    m: int
    n_H: int
    n_W: int
    n_C_prev: int
    n_C: int
    f: int
    pad: int
    stride: int
    seed: int

    def arrays(self):
        rng = np.random.default_rng(self.seed)
        A_prev = rng.standard_normal((self.m, self.n_H, self.n_W, self.n_C_prev))
        W = rng.standard_normal((self.f, self.f, self.n_C_prev, self.n_C))
        b = rng.standard_normal((1, 1, 1, self.n_C))
        return A_prev, W, b, {"stride": self.stride, "pad": self.pad}

    def out_hw(self):
        return ((self.n_H + 2 * self.pad - self.f) // self.stride + 1,
                (self.n_W + 2 * self.pad - self.f) // self.stride + 1)


class PoolCase(NamedTuple):
    m: int
    n_H: int
    n_W: int
    n_C: int
    f: int
    stride: int
    seed: int

    def arrays(self):
        rng = np.random.default_rng(self.seed)
        A_prev = rng.standard_normal((self.m, self.n_H, self.n_W, self.n_C))
        return A_prev, {"stride": self.stride, "f": self.f}

    def out_hw(self):
        return ((self.n_H - self.f) // self.stride + 1, (self.n_W - self.f) // self.stride + 1)


seeds = st.integers(0, 2**32 - 1)


@st.composite
def conv_cases(draw):
    n_H = draw(st.integers(1, 7))
    n_W = draw(st.integers(1, 7))
    pad = draw(st.integers(0, 2))
    f = draw(st.integers(1, min(n_H, n_W) + 2 * pad))
    return ConvCase(
        m=draw(st.integers(1, 3)), n_H=n_H, n_W=n_W,
        n_C_prev=draw(st.integers(1, 3)), n_C=draw(st.integers(1, 3)),
        f=f, pad=pad, stride=draw(st.integers(1, 4)), seed=draw(seeds),
    )


@st.composite
def pool_cases(draw):
    n_H = draw(st.integers(1, 8))
    n_W = draw(st.integers(1, 8))
    return PoolCase(
        m=draw(st.integers(1, 3)), n_H=n_H, n_W=n_W, n_C=draw(st.integers(1, 3)),
        f=draw(st.integers(1, min(n_H, n_W))), stride=draw(st.integers(1, 4)), seed=draw(seeds),
    )


# The edge cases named in the brief, run on every test run whatever hypothesis draws.
CONV_EDGE_CASES = [
    ConvCase(1, 4, 6, 1, 1, f=1, pad=0, stride=1, seed=1),   # batch 1, one channel, f == 1, pad 0, non-square
    ConvCase(2, 3, 3, 2, 3, f=5, pad=1, stride=1, seed=2),   # f == padded input size -> 1x1 output
    ConvCase(2, 3, 5, 2, 2, f=5, pad=1, stride=2, seed=3),   # f == padded height, non-square
    ConvCase(2, 7, 5, 3, 2, f=2, pad=0, stride=3, seed=4),   # stride > f
    ConvCase(1, 7, 6, 2, 4, f=2, pad=0, stride=2, seed=5),   # stride does not divide 7 - 2 (floor)
    ConvCase(3, 5, 7, 4, 8, f=3, pad=1, stride=2, seed=6),   # the canonical setup, random values
    ConvCase(2, 4, 5, 2, 3, f=3, pad=2, stride=1, seed=7),   # overlapping windows, pad 2
]
POOL_EDGE_CASES = [
    PoolCase(1, 4, 6, 1, f=1, stride=1, seed=1),    # batch 1, one channel, f == 1, non-square
    PoolCase(2, 5, 5, 3, f=3, stride=1, seed=2),    # overlapping windows (stride < f)
    PoolCase(2, 3, 4, 2, f=3, stride=1, seed=3),    # f == input height, non-square
    PoolCase(2, 7, 6, 2, f=2, stride=3, seed=4),    # stride > f
    PoolCase(1, 7, 5, 2, f=2, stride=2, seed=5),    # stride does not divide (floor)
    PoolCase(2, 4, 4, 3, f=4, stride=2, seed=6),    # f == input size -> 1x1 output
    PoolCase(1, 6, 8, 2, f=3, stride=2, seed=7),    # overlapping, non-square
]


def with_examples(arg_tuples):
    """Pin every tuple of positional arguments as an explicit hypothesis example."""
    def decorate(test):
        for args in reversed(arg_tuples):
            test = example(*args)(test)
        return test
    return decorate


# ---------------------------------------------------------------- forward
@PROFILE
@given(conv_cases())
@with_examples([(c,) for c in CONV_EDGE_CASES])
def test_conv_forward_matches_torch(case):
    A_prev, W, b, hp = case.arrays()
    A_copy, W_copy, b_copy = A_prev.copy(), W.copy(), b.copy()
    Z, cache = ref.conv_forward(A_prev, W, b, hp)

    expected = F.conv2d(nchw(A_prev), weights_to_torch(W), torch.from_numpy(b.reshape(-1)),
                        stride=case.stride, padding=case.pad)
    assert Z.shape == (case.m, *case.out_hw(), case.n_C)
    assert_close(Z, nhwc(expected), f"conv_forward {case}")
    # cache and no mutation of the inputs
    assert cache[0] is A_prev and cache[1] is W and cache[2] is b and cache[3] == hp
    np.testing.assert_array_equal(A_prev, A_copy)
    np.testing.assert_array_equal(W, W_copy)
    np.testing.assert_array_equal(b, b_copy)


@PROFILE
@given(conv_cases())
@with_examples([(c,) for c in CONV_EDGE_CASES])
def test_conv_single_step_matches_torch(case):
    """conv_single_step on one window == a valid conv2d whose kernel covers the window."""
    A_prev, W, b, _ = case.arrays()
    f = min(case.f, case.n_H, case.n_W)
    a_slice = A_prev[0, :f, :f, :]
    w = W[:f, :f, :, 0]
    bias = b[:, :, :, 0]
    got = ref.conv_single_step(a_slice, w, bias)
    assert np.ndim(got) == 0
    expected = F.conv2d(nchw(a_slice[None]), weights_to_torch(w[..., None]),
                        torch.from_numpy(bias.reshape(-1)))
    assert_close(np.float64(got), expected.item(), f"conv_single_step {case}")


@PROFILE
@given(pool_cases(), st.sampled_from(["max", "average"]))
@with_examples([(c, mode) for c in POOL_EDGE_CASES for mode in ("max", "average")])
def test_pool_forward_matches_torch(case, mode):
    A_prev, hp = case.arrays()
    A_copy = A_prev.copy()
    A, cache = ref.pool_forward(A_prev, hp, mode=mode)
    pool = F.max_pool2d if mode == "max" else F.avg_pool2d
    expected = pool(nchw(A_prev), kernel_size=case.f, stride=case.stride)
    assert A.shape == (case.m, *case.out_hw(), case.n_C)
    assert_close(A, nhwc(expected), f"pool_forward {mode} {case}")
    assert cache[0] is A_prev and cache[1] == hp
    np.testing.assert_array_equal(A_prev, A_copy)


def test_pool_forward_default_mode_is_max():
    A_prev, hp = POOL_EDGE_CASES[1].arrays()
    np.testing.assert_array_equal(ref.pool_forward(A_prev, hp)[0],
                                  ref.pool_forward(A_prev, hp, mode="max")[0])


# ---------------------------------------------------------------- backward
@PROFILE
@given(conv_cases())
@with_examples([(c,) for c in CONV_EDGE_CASES])
def test_conv_backward_matches_autograd(case):
    A_prev, W, b, hp = case.arrays()
    n_H, n_W = case.out_hw()
    dZ = np.random.default_rng(case.seed + 1).standard_normal((case.m, n_H, n_W, case.n_C))
    cache = (A_prev, W, b, hp)
    dA_prev, dW, db = ref.conv_backward(dZ, cache)

    x = nchw(A_prev).requires_grad_()
    w = weights_to_torch(W).requires_grad_()
    bias = torch.from_numpy(b.reshape(-1).copy()).requires_grad_()
    out = F.conv2d(x, w, bias, stride=case.stride, padding=case.pad)
    out.backward(nchw(dZ))

    assert_close(dA_prev, nhwc(x.grad), f"dA_prev {case}")
    assert_close(dW, weights_from_torch(w.grad), f"dW {case}")
    assert_close(db, bias.grad.numpy().reshape(1, 1, 1, -1), f"db {case}")


@PROFILE
@given(pool_cases(), st.sampled_from(["max", "average"]))
@with_examples([(c, mode) for c in POOL_EDGE_CASES for mode in ("max", "average")])
def test_pool_backward_matches_autograd(case, mode):
    A_prev, hp = case.arrays()
    # continuous values: ties are measure-zero, excluded explicitly (see module docstring)
    assume(np.unique(A_prev).size == A_prev.size)
    n_H, n_W = case.out_hw()
    dA = np.random.default_rng(case.seed + 1).standard_normal((case.m, n_H, n_W, case.n_C))
    dA_prev = ref.pool_backward(dA, (A_prev, hp), mode=mode)

    x = nchw(A_prev).requires_grad_()
    pool = F.max_pool2d if mode == "max" else F.avg_pool2d
    pool(x, kernel_size=case.f, stride=case.stride).backward(nchw(dA))
    assert_close(dA_prev, nhwc(x.grad), f"pool_backward {mode} {case}")


def test_pool_backward_with_a_tie():
    """With a tie the reference sends the gradient to every maximal entry (torch picks one)."""
    A_prev = np.array([[1.0, 3.0], [3.0, 2.0]]).reshape(1, 2, 2, 1)
    dA = np.array([5.0]).reshape(1, 1, 1, 1)
    dA_prev = ref.pool_backward(dA, (A_prev, {"stride": 1, "f": 2}), mode="max")
    np.testing.assert_array_equal(dA_prev[0, :, :, 0], [[0.0, 5.0], [5.0, 0.0]])


# ---------------------------------------------------------------- helpers of pool_backward
@FAST_PROFILE
@given(st.integers(1, 5), st.integers(1, 5), seeds)
@example(2, 3, 0)
@example(1, 1, 0)
def test_mask_marks_the_unique_argmax(n_H, n_W, seed):
    rng = np.random.default_rng(seed)
    x = rng.permutation(n_H * n_W).reshape(n_H, n_W) - rng.integers(0, n_H * n_W + 1)
    x = x.astype(float)   # distinct values, sometimes all negative
    mask = ref.create_mask_from_window(x)
    assert mask.shape == (n_H, n_W)
    assert mask.dtype == bool
    assert mask.sum() == 1
    assert mask[np.unravel_index(np.argmax(x), x.shape)]


@FAST_PROFILE
@given(st.integers(1, 4), st.integers(1, 4), seeds)
def test_mask_with_ties_marks_exactly_the_maxima(n_H, n_W, seed):
    x = np.random.default_rng(seed).integers(-2, 2, size=(n_H, n_W)).astype(float)
    mask = ref.create_mask_from_window(x)
    maxima = {tuple(i) for i in np.argwhere(x == x.max())}
    assert {tuple(i) for i in np.argwhere(mask)} == maxima


def test_mask_marks_every_tied_maximum():
    x = np.array([[1.0, 7.0, 7.0], [7.0, -3.0, 2.0]])
    np.testing.assert_array_equal(ref.create_mask_from_window(x),
                                  [[False, True, True], [True, False, False]])


@FAST_PROFILE
@given(st.floats(-1e3, 1e3, allow_nan=False), st.integers(1, 6), st.integers(1, 6))
@example(6.0, 2, 3)   # dz / (n_H + n_W) would give 1.2 per entry instead of 1.0
@example(-1.5, 1, 1)
@example(3.0, 3, 1)
def test_distribute_value_is_constant_and_sums_to_dz(dz, n_H, n_W):
    a = ref.distribute_value(dz, (n_H, n_W))
    assert a.shape == (n_H, n_W)
    assert np.all(a == a.flat[0])
    np.testing.assert_allclose(a.sum(), dz, rtol=1e-12, atol=1e-12)
    # it is exactly what avg-pool's autograd sends back through one window
    x = torch.zeros(1, 1, n_H, n_W, dtype=torch.float64, requires_grad=True)
    F.avg_pool2d(x, kernel_size=(n_H, n_W)).backward(torch.full((1, 1, 1, 1), dz, dtype=torch.float64))
    np.testing.assert_allclose(a, x.grad[0, 0].numpy(), rtol=RTOL, atol=ATOL)


# ---------------------------------------------------------------- shapes and parameter counts
@FAST_PROFILE
@given(st.integers(1, 300), st.integers(1, 300), st.integers(1, 16), st.integers(1, 64),
       st.integers(0, 5), st.integers(1, 6), st.data())
@example(128, 128, 3, 8, 1, 2, None)
def test_conv_output_shape_matches_torch(n_H, n_W, n_C_prev, n_filters, pad, stride, data):
    if data is None:
        f = 3
    else:
        f = data.draw(st.integers(1, min(n_H, n_W) + 2 * pad), label="f")
    got = ref.conv_output_shape((n_H, n_W, n_C_prev), f, n_filters, pad, stride)
    x = torch.empty(1, n_C_prev, n_H, n_W, device="meta")
    w = torch.empty(n_filters, n_C_prev, f, f, device="meta")
    expected = F.conv2d(x, w, stride=stride, padding=pad).shape
    assert isinstance(got, tuple) and all(type(v) is int for v in got)
    assert got == (expected[2], expected[3], expected[1])


@FAST_PROFILE
@given(st.integers(1, 11), st.integers(1, 64), st.integers(1, 128))
@example(3, 3, 8)
def test_conv_param_count_matches_nn_conv2d(f, n_C_prev, n_filters):
    layer = torch.nn.Conv2d(n_C_prev, n_filters, f, device="meta")
    got = ref.conv_param_count(f, n_C_prev, n_filters)
    assert type(got) is int
    assert got == sum(p.numel() for p in layer.parameters())


def test_zero_pad_matches_torch():
    rng = np.random.default_rng(0)
    for shape, pad in [((2, 3, 5, 4), 2), ((1, 4, 1, 1), 1), ((3, 2, 2, 2), 0)]:
        X = rng.standard_normal(shape)
        expected = nhwc(F.pad(nchw(X), (pad, pad, pad, pad)))
        got = ref.zero_pad(X, pad)
        assert got.dtype == X.dtype
        np.testing.assert_array_equal(got, expected)
