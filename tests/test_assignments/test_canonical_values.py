"""The canonical values of the step-by-step CNN exercise, on the reference solutions.

Students and TAs know these numbers from the widely used version of this
exercise; they are computed with ``np.random.seed(1)`` and exactly this draw
order.  Only the published scalars are hard-coded; the pooling example (whose
full output we have no published source for) is compared with PyTorch.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from autograder.engine.reference import load_reference

NOTEBOOK = Path(__file__).resolve().parents[2] / "source" / "cnn_step_by_step" / "cnn_step_by_step.ipynb"
ref = load_reference(NOTEBOOK)

RTOL = 1e-12


@pytest.fixture(autouse=True)
def _keep_global_rng_state():
    """These tests reseed the global numpy RNG; restore it for the other tests."""
    state = np.random.get_state()
    yield
    np.random.set_state(state)


def test_conv_single_step_canonical():
    np.random.seed(1)
    a_slice_prev = np.random.randn(4, 4, 3)
    W = np.random.randn(4, 4, 3)
    b = np.random.randn(1, 1, 1)
    Z = ref.conv_single_step(a_slice_prev, W, b)
    assert np.ndim(Z) == 0
    assert np.isclose(Z, -6.999089450680221, rtol=RTOL, atol=0)


def test_conv_forward_canonical():
    np.random.seed(1)
    A_prev = np.random.randn(2, 5, 7, 4)
    W = np.random.randn(3, 3, 4, 8)
    b = np.random.randn(1, 1, 1, 8)
    hparameters = {"pad": 1, "stride": 2}
    Z, cache = ref.conv_forward(A_prev, W, b, hparameters)
    assert Z.shape == (2, 3, 4, 8)
    assert np.isclose(Z.mean(), 0.5511276474566768, rtol=RTOL, atol=0)
    assert cache[0] is A_prev and cache[1] is W and cache[2] is b and cache[3] is hparameters


def test_conv_backward_canonical_older_setup():
    np.random.seed(1)
    A_prev = np.random.randn(10, 4, 4, 3)
    W = np.random.randn(2, 2, 3, 8)
    b = np.random.randn(1, 1, 1, 8)
    hparameters = {"pad": 2, "stride": 2}
    Z, cache = ref.conv_forward(A_prev, W, b, hparameters)
    dA, dW, db = ref.conv_backward(Z, cache)
    assert (dA.shape, dW.shape, db.shape) == (A_prev.shape, W.shape, b.shape)
    assert np.isclose(dA.mean(), 1.4524377775388075, rtol=RTOL, atol=0)
    assert np.isclose(dW.mean(), 1.7269914583139097, rtol=RTOL, atol=0)
    assert np.isclose(db.mean(), 7.839232564616838, rtol=RTOL, atol=0)


@pytest.mark.parametrize("mode, torch_pool", [("max", F.max_pool2d), ("average", F.avg_pool2d)])
def test_pool_forward_standard_example(mode, torch_pool):
    np.random.seed(1)
    A_prev = np.random.randn(2, 5, 5, 3)
    hparameters = {"stride": 1, "f": 3}
    A, cache = ref.pool_forward(A_prev, hparameters, mode=mode)
    assert A.shape == (2, 3, 3, 3)
    x = torch.from_numpy(A_prev.transpose(0, 3, 1, 2).copy())
    expected = torch_pool(x, kernel_size=3, stride=1).numpy().transpose(0, 2, 3, 1)
    np.testing.assert_allclose(A, expected, rtol=1e-12, atol=1e-14)
    assert cache[0] is A_prev and cache[1] is hparameters
