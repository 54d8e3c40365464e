"""Value mistakes of the numpy backward functions and right numpy variants (see tests/value_mistakes.py)."""
from __future__ import annotations

from value_mistakes import Case

BACKWARD = [
    # ---------------------------------------------------------------- conv_backward
    Case("cb_db_flat", "conv_backward", "shape-ndim", "sums db without keeping the axes", '''
def conv_backward(dZ, cache):
    A_prev, W, b, hp = cache
    s, p = hp["stride"], hp["pad"]
    f = W.shape[0]
    m, n_H, n_W, n_C = dZ.shape
    A_pad = zero_pad(A_prev, p)
    dA_pad = np.zeros_like(A_pad)
    dW = np.zeros_like(W)
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    vs, hs = h * s, w * s
                    dA_pad[i, vs:vs + f, hs:hs + f, :] += W[..., c] * dZ[i, h, w, c]
                    dW[..., c] += A_pad[i, vs:vs + f, hs:hs + f, :] * dZ[i, h, w, c]
    db = dZ.sum(axis=(0, 1, 2))
    dA_prev = dA_pad[:, p:dA_pad.shape[1] - p, p:dA_pad.shape[2] - p, :]
    return dA_prev, dW, db
'''),
    Case("cb_still_padded", "conv_backward", "shape-padding", "returns the padded gradient", '''
def conv_backward(dZ, cache):
    A_prev, W, b, hp = cache
    s, p = hp["stride"], hp["pad"]
    f = W.shape[0]
    m, n_H, n_W, n_C = dZ.shape
    A_pad = zero_pad(A_prev, p)
    dA_pad = np.zeros(A_pad.shape)
    dW = np.zeros(W.shape)
    for h in range(n_H):
        for w in range(n_W):
            sl = (slice(None), slice(h * s, h * s + f), slice(w * s, w * s + f))
            dA_pad[sl] += np.einsum("ijkc,mc->mijk", W, dZ[:, h, w, :])
            dW += np.einsum("mijk,mc->ijkc", A_pad[sl], dZ[:, h, w, :])
    db = dZ.sum(axis=(0, 1, 2), keepdims=True)
    return dA_pad, dW, db
'''),
    Case("cb_dW_over_m", "conv_backward", "factor", "averages dW over the batch", '''
def conv_backward(dZ, cache):
    A_prev, W, b, hp = cache
    s, p = hp["stride"], hp["pad"]
    f = W.shape[0]
    m, n_H, n_W, n_C = dZ.shape
    A_pad = zero_pad(A_prev, p)
    dA_pad = np.zeros(A_pad.shape)
    dW = np.zeros(W.shape)
    for h in range(n_H):
        for w in range(n_W):
            sl = (slice(None), slice(h * s, h * s + f), slice(w * s, w * s + f))
            dA_pad[sl] += np.einsum("ijkc,mc->mijk", W, dZ[:, h, w, :])
            dW += np.einsum("mijk,mc->ijkc", A_pad[sl], dZ[:, h, w, :]) / m
    db = dZ.sum(axis=(0, 1, 2), keepdims=True)
    dA_prev = dA_pad[:, p:p + A_prev.shape[1], p:p + A_prev.shape[2], :]
    return dA_prev, dW, db
'''),
    Case("cb_minus", "conv_backward", "sign", "subtracts into dA_prev", '''
def conv_backward(dZ, cache):
    A_prev, W, b, hp = cache
    s, p = hp["stride"], hp["pad"]
    f = W.shape[0]
    m, n_H, n_W, n_C = dZ.shape
    A_pad = zero_pad(A_prev, p)
    dA_pad = np.zeros(A_pad.shape)
    dW = np.zeros(W.shape)
    for h in range(n_H):
        for w in range(n_W):
            sl = (slice(None), slice(h * s, h * s + f), slice(w * s, w * s + f))
            dA_pad[sl] -= np.einsum("ijkc,mc->mijk", W, dZ[:, h, w, :])
            dW += np.einsum("mijk,mc->ijkc", A_pad[sl], dZ[:, h, w, :])
    db = dZ.sum(axis=(0, 1, 2), keepdims=True)
    dA_prev = dA_pad[:, p:p + A_prev.shape[1], p:p + A_prev.shape[2], :]
    return dA_prev, dW, db
'''),
    Case("cb_first_example", "conv_backward", "only-one-right", "the example loop is range(1)", '''
def conv_backward(dZ, cache):
    A_prev, W, b, hp = cache
    s, p = hp["stride"], hp["pad"]
    f = W.shape[0]
    m, n_H, n_W, n_C = dZ.shape
    A_pad = zero_pad(A_prev, p)
    dA_pad = np.zeros(A_pad.shape)
    dW = np.zeros(W.shape)
    for i in range(1):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    dA_pad[i, h * s:h * s + f, w * s:w * s + f, :] += W[..., c] * dZ[i, h, w, c]
                    dW[..., c] += A_pad[i, h * s:h * s + f, w * s:w * s + f, :] * dZ[i, h, w, c]
    db = dZ.sum(axis=(0, 1, 2), keepdims=True)
    dA_prev = dA_pad[:, p:p + A_prev.shape[1], p:p + A_prev.shape[2], :]
    return dA_prev, dW, db
'''),
    # ---------------------------------------------------------------- create_mask_from_window
    Case("mask_transposed", "create_mask_from_window", "swapped-axes", "writes the mask at (column, row)", '''
def create_mask_from_window(x):
    r, c = np.unravel_index(np.argmax(x), x.shape)
    mask = np.zeros(x.shape, dtype=bool)
    mask[c, r] = True
    return mask
'''),
    # ---------------------------------------------------------------- distribute_value
    Case("dv_plus", "distribute_value", "factor", "divides by n_H + n_W", '''
def distribute_value(dz, shape):
    n_H, n_W = shape
    return np.ones(shape) * dz / (n_H + n_W)
'''),
    Case("dv_times", "distribute_value", "factor", "multiplies by the window size", '''
def distribute_value(dz, shape):
    n_H, n_W = shape
    return np.full((n_H, n_W), dz * n_H * n_W)
'''),
    Case("dv_not_divided", "distribute_value", "factor", "copies dz into every cell", '''
def distribute_value(dz, shape):
    return np.full(shape, float(dz))
'''),
    Case("dv_swapped", "distribute_value", "shape-swapped", "builds the window as (n_W, n_H)", '''
def distribute_value(dz, shape):
    n_H, n_W = shape
    return np.full((n_W, n_H), dz / (n_H * n_W))
'''),
    # ---------------------------------------------------------------- pool_backward
    Case("pb_last_window", "pool_backward", "last-slice", "never visits the last output column", '''
def pool_backward(dA, cache, mode="max"):
    A_prev, hp = cache
    f, s = hp["f"], hp["stride"]
    m, n_H, n_W, C = dA.shape
    dA_prev = np.zeros(A_prev.shape)
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W - 1):
                for c in range(C):
                    vs, hs = h * s, w * s
                    if mode == "max":
                        win = A_prev[i, vs:vs + f, hs:hs + f, c]
                        dA_prev[i, vs:vs + f, hs:hs + f, c] += create_mask_from_window(win) * dA[i, h, w, c]
                    else:
                        dA_prev[i, vs:vs + f, hs:hs + f, c] += distribute_value(dA[i, h, w, c], (f, f))
    return dA_prev
''', inputs="average"),
    Case("pb_negated", "pool_backward", "sign", "routes minus the gradient", '''
def pool_backward(dA, cache, mode="max"):
    A_prev, hp = cache
    f, s = hp["f"], hp["stride"]
    m, n_H, n_W, C = dA.shape
    dA_prev = np.zeros(A_prev.shape)
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(C):
                    vs, hs = h * s, w * s
                    win = A_prev[i, vs:vs + f, hs:hs + f, c]
                    if mode == "max":
                        dA_prev[i, vs:vs + f, hs:hs + f, c] -= (win == win.max()) * dA[i, h, w, c]
                    else:
                        dA_prev[i, vs:vs + f, hs:hs + f, c] -= dA[i, h, w, c] / (f * f)
    return dA_prev
'''),
]

CNN_RIGHT = [
    Case("cos_ok_floor_division", "conv_output_shape", None, "math.floor of a true division", '''
import math
def conv_output_shape(input_shape, f, n_filters, pad, stride):
    n_H = math.floor((input_shape[0] + 2 * pad - f) / stride) + 1
    n_W = math.floor((input_shape[1] + 2 * pad - f) / stride) + 1
    return (int(n_H), int(n_W), n_filters)
'''),
    Case("zp_ok_slicing", "zero_pad", None, "zeros and a slice assignment", '''
def zero_pad(X, pad):
    m, h, w, c = X.shape
    out = np.zeros((m, h + 2 * pad, w + 2 * pad, c), dtype=X.dtype)
    out[:, pad:pad + h, pad:pad + w, :] = X
    return out
'''),
    Case("css_ok_einsum", "conv_single_step", None, "einsum and a squeezed bias", '''
def conv_single_step(a_slice_prev, W, b):
    return float(np.einsum("ijk,ijk->", a_slice_prev, W) + np.squeeze(b))
'''),
    Case("cf_ok_vectorised", "conv_forward", None, "sliding windows and tensordot", '''
def conv_forward(A_prev, W, b, hparameters):
    s, p = hparameters["stride"], hparameters["pad"]
    f = W.shape[0]
    A_pad = np.pad(A_prev, ((0, 0), (p, p), (p, p), (0, 0)))
    win = np.lib.stride_tricks.sliding_window_view(A_pad, (f, f), axis=(1, 2))[:, ::s, ::s]
    Z = np.tensordot(win, W, axes=([3, 4, 5], [2, 0, 1])) + b.reshape(-1)
    return Z, (A_prev, W, b, hparameters)
'''),
    Case("pf_ok_sliding", "pool_forward", None, "sliding windows, max or mean", '''
def pool_forward(A_prev, hparameters, mode="max"):
    f, s = hparameters["f"], hparameters["stride"]
    win = np.lib.stride_tricks.sliding_window_view(A_prev, (f, f), axis=(1, 2))[:, ::s, ::s]
    A = win.max(axis=(-2, -1)) if mode == "max" else win.mean(axis=(-2, -1))
    return A, (A_prev, hparameters)
'''),
    Case("cb_ok_reversed_loops", "conv_backward", None, "channel loop outermost, unpad by slicing to the size", '''
def conv_backward(dZ, cache):
    A_prev, W, b, hp = cache
    s, p = hp["stride"], hp["pad"]
    f = W.shape[0]
    m, n_H, n_W, n_C = dZ.shape
    A_pad = np.pad(A_prev, ((0, 0), (p, p), (p, p), (0, 0)))
    dA_pad = np.zeros_like(A_pad, dtype=float)
    dW = np.zeros_like(W, dtype=float)
    for c in range(n_C):
        for h in range(n_H):
            for w in range(n_W):
                g = dZ[:, h, w, c][:, None, None, None]
                dA_pad[:, h * s:h * s + f, w * s:w * s + f, :] += g * W[None, :, :, :, c]
                dW[:, :, :, c] += (g * A_pad[:, h * s:h * s + f, w * s:w * s + f, :]).sum(axis=0)
    db = dZ.sum(axis=(0, 1, 2)).reshape(1, 1, 1, n_C)
    return dA_pad[:, p:p + A_prev.shape[1], p:p + A_prev.shape[2], :], dW, db
'''),
    Case("dv_ok_mean", "distribute_value", None, "ones divided by their count", '''
def distribute_value(dz, shape):
    a = np.ones(shape)
    return a * (dz / a.size)
'''),
    Case("pb_ok_float_mask", "pool_backward", None, "a float mask by comparison, vectorised over channels", '''
def pool_backward(dA, cache, mode="max"):
    A_prev, hp = cache
    f, s = hp["f"], hp["stride"]
    out = np.zeros(A_prev.shape)
    for h in range(dA.shape[1]):
        for w in range(dA.shape[2]):
            win = A_prev[:, h * s:h * s + f, w * s:w * s + f, :]
            g = dA[:, h, w, :][:, None, None, :]
            if mode == "max":
                share = (win == win.max(axis=(1, 2), keepdims=True)).astype(float)
            else:
                share = np.full(win.shape, 1.0 / (f * f))
            out[:, h * s:h * s + f, w * s:w * s + f, :] += share * g
    return out
'''),
]
