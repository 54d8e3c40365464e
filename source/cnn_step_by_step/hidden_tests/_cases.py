"""Shared helpers of the cnn_step_by_step hidden suites (trusted grader side only).

* input generators (random arrays, arrays with distinct values for max pooling),
* PyTorch versions of every layer (NHWC <-> NCHW conversion, autograd for the
  backward passes) used as a second, independent reference,
* a finite-difference gradient of the reference forward pass,
* "mistake simulators": what a known wrong implementation returns, so that a
  hint can say "this is what you get if ..." only when the student's value
  really is that.

The PyTorch versions and the simulators are pure functions of the test's
inputs: ``@cached`` computes each once per suites session (a batch worker
grades many submissions with the same salted inputs; see autograder.expected).

Nothing here is ever sent to a student worker.
"""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from autograder.checks import Hint
from autograder.expected import cached


# ----------------------------------------------------------------------- inputs
def randn(rng, shape, dtype=np.float64):
    return rng.standard_normal(shape).astype(dtype)


def distinct(rng, shape, dtype=np.float64, gap=0.125):
    """Values that are pairwise at least ``gap`` apart (no ties in max pooling).

    Multiples of 1/8 are exact in float32 too, so ties cannot appear by rounding.
    """
    n = int(np.prod(shape))
    values = (rng.permutation(n) - n // 2) * gap
    return values.reshape(shape).astype(dtype)


def out_size(n, f, pad, stride):
    return (n + 2 * pad - f) // stride + 1


# ----------------------------------------------------------------------- PyTorch
def _t(x):
    return torch.from_numpy(np.ascontiguousarray(x))


@cached
def torch_conv(A, W, b, stride, pad):
    """F.conv2d on NHWC inputs, W (f, f, C_prev, C), b (1, 1, 1, C) -> NHWC output."""
    with torch.no_grad():
        out = F.conv2d(_t(A).permute(0, 3, 1, 2), _t(W).permute(3, 2, 0, 1), _t(b).reshape(-1),
                       stride=stride, padding=pad)
    return out.permute(0, 2, 3, 1).contiguous().numpy()


@cached
def torch_pool(A, f, stride, mode):
    pool = F.max_pool2d if mode == "max" else F.avg_pool2d
    with torch.no_grad():
        out = pool(_t(A).permute(0, 3, 1, 2), kernel_size=f, stride=stride)
    return out.permute(0, 2, 3, 1).contiguous().numpy()


@cached
def torch_conv_backward(A, W, b, stride, pad, dZ):
    """(dA_prev, dW, db) of sum(conv(A, W, b) * dZ) by autograd."""
    a = _t(A).clone().requires_grad_(True)
    w = _t(W).clone().requires_grad_(True)
    bb = _t(b).clone().requires_grad_(True)
    out = F.conv2d(a.permute(0, 3, 1, 2), w.permute(3, 2, 0, 1), bb.reshape(-1), stride=stride, padding=pad)
    (out.permute(0, 2, 3, 1) * _t(dZ)).sum().backward()
    return a.grad.numpy(), w.grad.numpy(), bb.grad.numpy()


@cached
def torch_pool_backward(A, f, stride, mode, dA):
    a = _t(A).clone().requires_grad_(True)
    pool = F.max_pool2d if mode == "max" else F.avg_pool2d
    out = pool(a.permute(0, 3, 1, 2), kernel_size=f, stride=stride)
    (out.permute(0, 2, 3, 1) * _t(dA)).sum().backward()
    return a.grad.numpy()


# ----------------------------------------------------------------------- numerical gradient
def numerical_grad(loss, x, eps=1e-3):
    """Central finite differences of the scalar ``loss()`` w.r.t. the array ``x`` (modified in place, restored)."""
    grad = np.zeros(x.shape, dtype=np.float64)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + eps
        plus = loss()
        x[idx] = old - eps
        minus = loss()
        x[idx] = old
        grad[idx] = (plus - minus) / (2 * eps)
    return grad



@cached
def conv_fd_gradients(conv_forward, A, W, b, hp, dZ):
    """Finite differences of sum(conv_forward(A, W, b, hp)[0] * dZ) with respect to A, W and b."""
    A, W, b = A.copy(), W.copy(), b.copy()

    def loss():
        Z, _ = conv_forward(A, W, b, dict(hp))
        return float(np.sum(Z * dZ))
    return tuple(numerical_grad(loss, x) for x in (A, W, b))


@cached
def pool_fd_gradient(pool_forward, A_prev, hp, mode, dA):
    """Finite differences of sum(pool_forward(A_prev, hp, mode)[0] * dA) with respect to A_prev."""
    A_prev = A_prev.copy()

    def loss():
        A, _ = pool_forward(A_prev, dict(hp), mode=mode)
        return float(np.sum(A * dA))
    return numerical_grad(loss, A_prev)


# ----------------------------------------------------------------------- numpy models (for hints)
@cached
def conv_np(A, W, b, stride, pad, n_H=None, n_W=None, pos_stride=None):
    """Plain float64 convolution; ``pos_stride`` = step between windows (default ``stride``)."""
    A = np.pad(np.asarray(A, np.float64), ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    W = np.asarray(W, np.float64)
    f = W.shape[0]
    s = stride if pos_stride is None else pos_stride
    m, H, Wd, _ = A.shape
    n_H = (H - f) // stride + 1 if n_H is None else n_H
    n_W = (Wd - f) // stride + 1 if n_W is None else n_W
    Z = np.zeros((m, n_H, n_W, W.shape[3]))
    for h in range(n_H):
        for w in range(n_W):
            win = A[:, h * s:h * s + f, w * s:w * s + f, :]
            if win.shape[1:3] != (f, f):
                return None
            Z[:, h, w, :] = np.tensordot(win, W, axes=([1, 2, 3], [0, 1, 2]))
    return Z + np.asarray(b, np.float64).reshape(1, 1, 1, -1)


@cached
def pool_np(A, f, stride, mode, pos_stride=None, over_channels=False):
    A = np.asarray(A, np.float64)
    s = stride if pos_stride is None else pos_stride
    m, H, Wd, C = A.shape
    n_H, n_W = (H - f) // stride + 1, (Wd - f) // stride + 1
    out = np.zeros((m, n_H, n_W, C))
    red = np.max if mode == "max" else np.mean
    for h in range(n_H):
        for w in range(n_W):
            win = A[:, h * s:h * s + f, w * s:w * s + f, :]
            if win.shape[1:3] != (f, f):
                return None
            if over_channels:
                out[:, h, w, :] = red(win, axis=(1, 2, 3))[:, None]
            else:
                out[:, h, w, :] = red(win, axis=(1, 2))
    return out


@cached
def conv_backward_np(A, W, b, stride, pad, dZ, assign=False, dW_assign=False):
    """Loop model of conv_backward; ``assign`` = ``=`` instead of ``+=`` for dA_prev,
    ``dW_assign`` = ``=`` instead of ``+=`` for dW and db across positions/examples."""
    A = np.asarray(A, np.float64)
    W = np.asarray(W, np.float64)
    dZ = np.asarray(dZ, np.float64)
    m, H, Wd, C_prev = A.shape
    f, _, _, C = W.shape
    Ap = np.pad(A, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    dAp = np.zeros_like(Ap)
    dW = np.zeros_like(W)
    db = np.zeros((1, 1, 1, C))
    for i in range(m):
        for h in range(dZ.shape[1]):
            for w in range(dZ.shape[2]):
                vs, hs = h * stride, w * stride
                for c in range(C):
                    if assign:
                        dAp[i, vs:vs + f, hs:hs + f, :] = W[:, :, :, c] * dZ[i, h, w, c]
                    else:
                        dAp[i, vs:vs + f, hs:hs + f, :] += W[:, :, :, c] * dZ[i, h, w, c]
                    if dW_assign:
                        dW[:, :, :, c] = Ap[i, vs:vs + f, hs:hs + f, :] * dZ[i, h, w, c]
                        db[:, :, :, c] = dZ[i, h, w, c]
                    else:
                        dW[:, :, :, c] += Ap[i, vs:vs + f, hs:hs + f, :] * dZ[i, h, w, c]
                        db[:, :, :, c] += dZ[i, h, w, c]
    return dAp[:, pad:pad + H, pad:pad + Wd, :], dW, db


@cached
def pool_backward_np(A, f, stride, mode, dA, assign=False, divide=None, pos_stride=None):
    """Loop model of pool_backward; ``assign`` = ``=`` instead of ``+=``;
    ``divide`` = the divisor used in average mode (default f*f)."""
    A = np.asarray(A, np.float64)
    dA = np.asarray(dA, np.float64)
    s = stride if pos_stride is None else pos_stride
    out = np.zeros_like(A)
    div = f * f if divide is None else divide
    m, n_H, n_W, C = dA.shape
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(C):
                    win = A[i, h * s:h * s + f, w * s:w * s + f, c]
                    if win.shape != (f, f):
                        return None
                    if mode == "max":
                        g = (win == win.max()) * dA[i, h, w, c]
                    else:
                        g = np.full((f, f), dA[i, h, w, c] / div)
                    if assign:
                        out[i, h * s:h * s + f, w * s:w * s + f, c] = g
                    else:
                        out[i, h * s:h * s + f, w * s:w * s + f, c] += g
    return out


# ----------------------------------------------------------------------- shared hints
def swapped_hw_hint(shape):
    """Shape (…, a, b, …) -> hint when the student's array has height and width swapped."""
    m, h, w, c = shape
    if h == w:
        return []
    return [Hint.shape((m, w, h, c),
                       "Height and width look swapped: the shape is (m, n_W, n_H, n_C). Use "
                       "A_prev.shape[1] for the height and A_prev.shape[2] for the width.",
                       "높이와 너비가 바뀐 것 같습니다: 모양이 (m, n_W, n_H, n_C)입니다. 높이는 A_prev.shape[1], "
                       "너비는 A_prev.shape[2]입니다.")]


def round_hint(shape_floor, H, Wd, f, pad, stride):
    """Hint when the output size was rounded (round(), half-up or ceil) instead of floored."""
    m, _, _, C = shape_floor
    shapes = {(m, rnd(H, f, pad, stride), rnd(Wd, f, pad, stride), C) for rnd in _ROUNDINGS}
    shapes.discard(tuple(shape_floor))
    return [Hint.shape(s, "This is the output size you get with round() (or ceil) instead of the floor "
                          "in floor((n + 2*pad - f) / stride) + 1: use integer division //.",
                       "floor((n + 2*pad - f) / stride) + 1에서 내림(floor) 대신 round()(또는 올림)를 쓰면 "
                       "이 크기가 나옵니다: 정수 나눗셈 //를 쓰세요.") for s in sorted(shapes)]


_ROUNDINGS = (
    lambda n, f, p, s: round((n + 2 * p - f) / s) + 1,                  # Python/numpy round (half to even)
    lambda n, f, p, s: math.floor((n + 2 * p - f) / s + 0.5) + 1,       # half up
    lambda n, f, p, s: math.ceil((n + 2 * p - f) / s) + 1,              # ceil
)


def returned_only_first_hint(name_en, name_ko):
    return [Hint(lambda got: type(got) is np.ndarray,
                 f"You returned only {name_en}; return a tuple: `return {name_en}, cache`.",
                 f"{name_ko}만 반환했습니다; 튜플로 반환하세요: `return {name_en}, cache`.")]
