"""Graded functions may not use forbidden modules, however they are imported."""
from autograder.engine.policy import forbidden_uses

FORBIDDEN = ["torch", "tensorflow", "jax", "scipy"]


def _check(*cells, graded=("conv_forward",)):
    return forbidden_uses(list(cells), list(graded), FORBIDDEN)


def test_plain_numpy_is_fine():
    assert _check("import numpy as np", "def conv_forward(A, W, b, h):\n    return np.sum(A)") == {}


def test_alias_at_module_level():
    found = _check("import torch.nn.functional as F", "def conv_forward(A, W, b, h):\n    return F.conv2d(A, W)")
    assert "torch" in found["conv_forward"]


def test_from_import_and_local_import():
    assert "scipy" in _check("from scipy.signal import correlate",
                             "def conv_forward(A, W, b, h):\n    return correlate(A, W)")["conv_forward"]
    assert "torch" in _check("def conv_forward(A, W, b, h):\n    import torch\n    return torch.ones(1)")["conv_forward"]


def test_through_a_helper_function():
    found = _check("import jax.numpy as jnp", "def helper(x):\n    return jnp.array(x)",
                   "def conv_forward(A, W, b, h):\n    return helper(A)")
    assert "helper" in found["conv_forward"]


def test_dynamic_import_is_flagged():
    assert "dynamically" in _check("def conv_forward(A, W, b, h):\n    t = __import__('tor' + 'ch')\n    return t")["conv_forward"]


def test_unused_import_does_not_cost_points_and_other_functions_unaffected():
    found = _check("import torch", "def conv_forward(A, W, b, h):\n    return A",
                   "def pool_forward(A, h, mode='max'):\n    return torch.zeros(1)",
                   graded=("conv_forward", "pool_forward"))
    assert list(found) == ["pool_forward"]


def test_last_definition_wins_and_syntax_errors_are_ignored():
    found = _check("import torch", "def conv_forward(A, W, b, h):\n    return torch.ones(1)",
                   "def conv_forward(A, W, b, h):\n    return A", "def broken(:\n")
    assert found == {}
