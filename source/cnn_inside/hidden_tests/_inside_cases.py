"""Shared helpers of the cnn_inside hidden suites (trusted grader side only).

* the assignment's shipped modules (``tl_model``, ``inside_harness``), loaded
  from ``source/cnn_inside/`` so that the grader builds exactly the models the
  worker builds;
* PyTorch versions of the numpy layers (NHWC <-> NCHW, autograd for the
  gradients): the second, independent reference;
* small helpers for titles and for reading what the harness describes.

Nothing here is ever sent to a student worker.
"""
from __future__ import annotations

import functools
import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from autograder.checks import fail
from autograder.expected import cached

SOURCE = Path(__file__).resolve().parents[1]


def _load(name: str):
    module = sys.modules.get(name)
    # Compared without resolving: tl_model.py and tl_data.py are links to the transfer_learning files.
    if module is not None and Path(getattr(module, "__file__", "") or "").parent == SOURCE:
        return module
    spec = importlib.util.spec_from_file_location(name, SOURCE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module       # inside_harness imports tl_model by name
    spec.loader.exec_module(module)
    return module


tl_model = _load("tl_model")
harness = _load("inside_harness")


def titler(func: str):
    def title(en, ko):
        return pytest.mark.title(en=f"{func}: {en}", ko=f"{func}: {ko}")
    return title


def randn(rng, shape, dtype=np.float64):
    return rng.standard_normal(shape).astype(dtype)


def nonzero(rng, shape, dtype=np.float64):
    """Random values at least 0.05 away from 0 (ReLU's kink is not at stake)."""
    x = rng.standard_normal(shape)
    return (np.sign(x) * (np.abs(x) + 0.05)).astype(dtype)


def _t(x):
    return torch.from_numpy(np.ascontiguousarray(x))


# ------------------------------------------------------------------------------ PyTorch references
@cached
def torch_act_grad(dA, Z, kind, alpha=0.01):
    z = _t(Z).clone().requires_grad_(True)
    out = F.relu(z) if kind == "relu" else F.leaky_relu(z, negative_slope=alpha)
    (out * _t(dA)).sum().backward()
    return z.grad.numpy()


@cached
def torch_gap(A):
    with torch.no_grad():
        return F.adaptive_avg_pool2d(_t(A).permute(0, 3, 1, 2), 1).flatten(1).numpy()


@cached
def torch_depthwise(A, W, b, stride, pad):
    n_C = A.shape[3]
    with torch.no_grad():
        out = F.conv2d(_t(A).permute(0, 3, 1, 2), _t(W).permute(2, 0, 1)[:, None], _t(b).reshape(-1),
                       stride=stride, padding=pad, groups=n_C)
    return out.permute(0, 2, 3, 1).contiguous().numpy()


@cached
def torch_pointwise(A, W, b):
    with torch.no_grad():
        out = F.conv2d(_t(A).permute(0, 3, 1, 2), _t(W).permute(3, 2, 0, 1), _t(b).reshape(-1))
    return out.permute(0, 2, 3, 1).contiguous().numpy()


def torch_param_counts(f, n_C_prev, n_C):
    count = lambda *layers: sum(p.numel() for layer in layers for p in layer.parameters())  # noqa: E731
    standard = torch.nn.Conv2d(n_C_prev, n_C, f)
    depthwise = torch.nn.Conv2d(n_C_prev, n_C_prev, f, groups=n_C_prev)
    pointwise = torch.nn.Conv2d(n_C_prev, n_C, 1)
    return count(standard), count(depthwise, pointwise)


@cached
def torch_fc_backward(A, W, b, dZ):
    a, w, bb = (_t(v).clone().requires_grad_(True) for v in (A, W, b))
    (F.linear(a, w.T, bb.reshape(-1)) * _t(dZ)).sum().backward()
    return a.grad.numpy(), w.grad.numpy(), bb.grad.numpy()


@cached
def torch_softmax(Z):
    return torch.softmax(_t(Z), dim=1).numpy()


@cached
def torch_cross_entropy(Z, Y):
    z = _t(Z).clone().requires_grad_(True)
    loss = F.cross_entropy(z, _t(np.asarray(Y, dtype=np.int64)))
    loss.backward()
    return float(loss.item()), z.grad.numpy()


# ------------------------------------------------------------------------------ models and the harness
def build(spec):
    return harness.build_model(spec)


@functools.lru_cache(maxsize=None)
def _digits(n: int, offset: int = 0):
    tl_data = _load("tl_data")
    return tl_data.load_source("test")[0][offset:offset + n]


def digits(n: int, offset: int = 0) -> np.ndarray:
    return _digits(n, offset).copy()


def expect_reply(reply, keys, func: str) -> dict:
    if type(reply) is not dict or any(k not in reply for k in keys):
        fail(f"The grader could not read the outcome of {func}() (did the notebook change the shipped module "
             f"inside_harness or torch?).",
             f"{func}()의 결과를 채점기가 읽을 수 없습니다(노트북에서 배포된 모듈 inside_harness나 torch를 바꾸지 "
             f"않았나요?).")
    return reply


def kind_of(value) -> tuple[str, str]:
    """How to name a value the harness could not return as an array."""
    if type(value) is dict and value.get("kind") == "none":
        return "None (no return statement?)", "None (return 문이 없나요?)"
    if type(value) is dict and value.get("kind") == "too_large":
        return f"a tensor of shape {value.get('shape')}", f"모양이 {value.get('shape')}인 텐서"
    if type(value) is dict:
        return f"an object of type {value.get('type') or value.get('kind')}", \
            f"{value.get('type') or value.get('kind')} 타입의 객체"
    return type(value).__name__, type(value).__name__


def as_array(value):
    """A value decoded from the worker as a float64 array (a tensor is converted); None if it is none."""
    if isinstance(value, torch.Tensor):
        value = value.detach().numpy()
    if type(value) is np.ndarray and value.dtype.kind in "biuf":
        return value
    return None


def number(value):
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return float(value.item())
    if type(value) is np.ndarray and value.size == 1 and value.dtype.kind in "iuf":
        return float(value.reshape(()))
    return None


def layer_input(spec, name, x):
    """The input of a named module (what a pre-hook would have collected), for a hint; None if unknown."""
    model = build(spec)
    modules = dict(model.named_modules())
    seen = {}
    handle = modules[name].register_forward_pre_hook(lambda m, args: seen.__setitem__("x", args[0].detach().clone()))
    try:
        with torch.no_grad():
            model(torch.from_numpy(x))
    finally:
        handle.remove()
    value = seen.get("x")
    return None if value is None else value.numpy()
