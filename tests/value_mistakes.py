"""A corpus of functions that return a wrong VALUE (none of them raises), for the generic
diagnosis (autograder/diagnose*.py, issue 19), and right variants that must get no hint.

Written from the issue's classes of mistakes, not from tests/corpus: each ``Case`` is one
student cell (``source``), the question it answers, the diagnosis kind it must get
(``kind``; ``None`` for a right variant) and, when the default inputs of the question
cannot tell the mistake apart, the name of other ``inputs`` (see tests/test_value_diagnosis.py).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    name: str
    question: str
    kind: str | None        # diagnosis id without the "diagnose:" prefix; None: a right variant
    why: str
    source: str
    inputs: str = "default"


CNN = [
    # ---------------------------------------------------------------- conv_output_shape
    Case("cos_no_plus_one", "conv_output_shape", "shape-plus-one", "leaves out the + 1 of the formula", '''
def conv_output_shape(input_shape, f, n_filters, pad, stride):
    n_H_prev, n_W_prev, _ = input_shape
    n_H = (n_H_prev + 2 * pad - f) // stride
    n_W = (n_W_prev + 2 * pad - f) // stride
    return (n_H, n_W, n_filters)
''', inputs="s1p2"),
    Case("cos_no_stride", "conv_output_shape", "shape-stride", "never divides by the stride", '''
def conv_output_shape(input_shape, f, n_filters, pad, stride):
    h, w, c = input_shape
    return (h + 2 * pad - f + 1, w + 2 * pad - f + 1, n_filters)
'''),
    Case("cos_pad_once", "conv_output_shape", "shape-padding", "adds the padding once", '''
def conv_output_shape(input_shape, f, n_filters, pad, stride):
    size = lambda n: (n + pad - f) // stride + 1
    return (size(input_shape[0]), size(input_shape[1]), n_filters)
'''),
    Case("cos_hw_swapped", "conv_output_shape", "order", "returns width before height", '''
def conv_output_shape(input_shape, f, n_filters, pad, stride):
    out = [(n + 2 * pad - f) // stride + 1 for n in input_shape[:2]]
    return (out[1], out[0], n_filters)
'''),
    Case("cos_round", "conv_output_shape", "shape-floor", "rounds the division", '''
def conv_output_shape(input_shape, f, n_filters, pad, stride):
    n_H = int(round((input_shape[0] + 2 * pad - f) / stride)) + 1
    n_W = int(round((input_shape[1] + 2 * pad - f) / stride)) + 1
    return (n_H, n_W, n_filters)
''', inputs="floor"),
    Case("cos_channels_kept", "conv_output_shape", "equals-input", "keeps the input's channel count", '''
def conv_output_shape(input_shape, f, n_filters, pad, stride):
    n_H = (input_shape[0] + 2 * pad - f) // stride + 1
    n_W = (input_shape[1] + 2 * pad - f) // stride + 1
    return (n_H, n_W, input_shape[2])
'''),
    # ---------------------------------------------------------------- conv_param_count
    Case("cpc_no_bias", "conv_param_count", "offset", "forgets the biases", '''
def conv_param_count(f, n_C_prev, n_filters):
    return f * f * n_C_prev * n_filters
'''),
    Case("cpc_one_filter", "conv_param_count", "factor", "counts one filter only", '''
def conv_param_count(f, n_C_prev, n_filters):
    weights = f * f * n_C_prev
    return weights + 1
'''),
    # ---------------------------------------------------------------- zero_pad
    Case("zp_height_only", "zero_pad", "shape-padding", "pads the height only", '''
def zero_pad(X, pad):
    return np.pad(X, ((0, 0), (pad, pad), (0, 0), (0, 0)))
'''),
    Case("zp_after_only", "zero_pad", "shape-padding", "pads after the data only", '''
def zero_pad(X, pad):
    m, h, w, c = X.shape
    out = np.zeros((m, h + pad, w + pad, c))
    out[:, :h, :w, :] = X
    return out
'''),
    Case("zp_batch_too", "zero_pad", "shape-padding", "pads the batch axis as well", '''
def zero_pad(X, pad):
    return np.pad(X, ((pad, pad), (pad, pad), (pad, pad), (0, 0)), mode="constant")
'''),
    Case("zp_ones", "zero_pad", "border", "pads with ones", '''
def zero_pad(X, pad):
    return np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), constant_values=1)
'''),
    Case("zp_channels_too", "zero_pad", "shape-padding", "pads the channels too", '''
def zero_pad(X, pad):
    return np.pad(X, [(0, 0)] + [(pad, pad)] * 3)
'''),
    Case("zp_returns_input", "zero_pad", "shape-of-input", "builds the padded array but returns X", '''
def zero_pad(X, pad):
    X_pad = np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    return X
'''),
    # ---------------------------------------------------------------- conv_single_step
    Case("css_no_bias", "conv_single_step", "nearby-op", "leaves out the bias", '''
def conv_single_step(a_slice_prev, W, b):
    return float(np.sum(a_slice_prev * W))
'''),
    Case("css_mean", "conv_single_step", "nearby-op", "averages instead of summing", '''
def conv_single_step(a_slice_prev, W, b):
    return float(np.mean(a_slice_prev * W) + b.item())
'''),
    Case("css_minus_bias", "conv_single_step", "nearby-op", "subtracts the bias", '''
def conv_single_step(a_slice_prev, W, b):
    s = np.multiply(a_slice_prev, W).sum()
    return float(s - np.squeeze(b))
'''),
    Case("css_separate_sums", "conv_single_step", "nearby-op", "sums the window and the filter separately", '''
def conv_single_step(a_slice_prev, W, b):
    return float(a_slice_prev.sum() + W.sum() + b.item())
'''),
    Case("css_max", "conv_single_step", "nearby-op", "takes the largest product", '''
def conv_single_step(a_slice_prev, W, b):
    return float(np.max(a_slice_prev * W) + b.item())
'''),
    # ---------------------------------------------------------------- conv_forward
    Case("cf_no_plus_one", "conv_forward", "shape-plus-one", "output size without + 1", '''
def conv_forward(A_prev, W, b, hparameters):
    s, p = hparameters["stride"], hparameters["pad"]
    f, _, _, n_C = W.shape
    m, H, Wd, _ = A_prev.shape
    n_H, n_W = (H + 2 * p - f) // s, (Wd + 2 * p - f) // s
    A_pad = zero_pad(A_prev, p)
    Z = np.zeros((m, n_H, n_W, n_C))
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    win = A_pad[i, h * s:h * s + f, w * s:w * s + f, :]
                    Z[i, h, w, c] = conv_single_step(win, W[..., c], b[..., c])
    return Z, (A_prev, W, b, hparameters)
''', inputs="s1p2"),
    Case("cf_first_sample_only", "conv_forward", "only-one-right", "loops over the first example only", '''
def conv_forward(A_prev, W, b, hparameters):
    s, p = hparameters["stride"], hparameters["pad"]
    f, _, _, n_C = W.shape
    m, H, Wd, _ = A_prev.shape
    n_H = (H + 2 * p - f) // s + 1
    n_W = (Wd + 2 * p - f) // s + 1
    A_pad = zero_pad(A_prev, p)
    Z = np.zeros((m, n_H, n_W, n_C))
    i = 0
    for h in range(n_H):
        for w in range(n_W):
            for c in range(n_C):
                win = A_pad[i, h * s:h * s + f, w * s:w * s + f, :]
                Z[i, h, w, c] = np.sum(win * W[..., c]) + b[0, 0, 0, c]
    return Z, (A_prev, W, b, hparameters)
'''),
    Case("cf_last_column", "conv_forward", "last-slice", "the width loop stops one short", '''
def conv_forward(A_prev, W, b, hparameters):
    s, p = hparameters["stride"], hparameters["pad"]
    f, _, _, n_C = W.shape
    m, H, Wd, _ = A_prev.shape
    n_H = (H + 2 * p - f) // s + 1
    n_W = (Wd + 2 * p - f) // s + 1
    A_pad = zero_pad(A_prev, p)
    Z = np.zeros((m, n_H, n_W, n_C))
    for h in range(n_H):
        for w in range(n_W - 1):
            win = A_pad[:, h * s:h * s + f, w * s:w * s + f, :]
            Z[:, h, w, :] = np.tensordot(win, W, axes=([1, 2, 3], [0, 1, 2])) + b[0, 0, 0]
    return Z, (A_prev, W, b, hparameters)
'''),
    Case("cf_bias_twice", "conv_forward", "offset-input", "adds the bias in the helper and again", '''
def conv_forward(A_prev, W, b, hparameters):
    s, p = hparameters["stride"], hparameters["pad"]
    f, _, _, n_C = W.shape
    m, H, Wd, _ = A_prev.shape
    n_H = (H + 2 * p - f) // s + 1
    n_W = (Wd + 2 * p - f) // s + 1
    A_pad = zero_pad(A_prev, p)
    Z = np.zeros((m, n_H, n_W, n_C))
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    win = A_pad[i, h * s:h * s + f, w * s:w * s + f, :]
                    Z[i, h, w, c] = conv_single_step(win, W[..., c], b[..., c])
    Z = Z + b
    return Z, (A_prev, W, b, hparameters)
'''),
    Case("cf_writes_hparameters", "conv_forward", "mutated-input", "stores the output size in hparameters", '''
def conv_forward(A_prev, W, b, hparameters):
    s, p = hparameters["stride"], hparameters["pad"]
    f, _, _, n_C = W.shape
    m, H, Wd, _ = A_prev.shape
    hparameters["n_H"] = (H + 2 * p - f) // s + 1
    hparameters["n_W"] = (Wd + 2 * p - f) // s + 1
    A_pad = zero_pad(A_prev, p)
    Z = np.zeros((m, hparameters["n_H"], hparameters["n_W"], n_C))
    for h in range(hparameters["n_H"]):
        for w in range(hparameters["n_W"]):
            win = A_pad[:, h * s:h * s + f, w * s:w * s + f, :, None]
            Z[:, h, w, :] = np.sum(win * W[None], axis=(1, 2, 3)) + b.reshape(n_C)
    return Z, (A_prev, W, b, hparameters)
'''),
    Case("cf_cache_padded", "conv_forward", "cache-not-input", "keeps the padded input in the cache", '''
def conv_forward(A_prev, W, b, hparameters):
    s, p = hparameters["stride"], hparameters["pad"]
    f, _, _, n_C = W.shape
    m, H, Wd, _ = A_prev.shape
    n_H = (H + 2 * p - f) // s + 1
    n_W = (Wd + 2 * p - f) // s + 1
    A_prev = zero_pad(A_prev, p)
    Z = np.zeros((m, n_H, n_W, n_C))
    for h in range(n_H):
        for w in range(n_W):
            win = A_prev[:, h * s:h * s + f, w * s:w * s + f, :, None]
            Z[:, h, w, :] = np.sum(win * W[None], axis=(1, 2, 3)) + b.reshape(n_C)
    return Z, (A_prev, W, b, hparameters)
'''),
    Case("cf_cache_order", "conv_forward", "order", "puts W first in the cache", '''
def conv_forward(A_prev, W, b, hparameters):
    s, p = hparameters["stride"], hparameters["pad"]
    f, _, _, n_C = W.shape
    m, H, Wd, _ = A_prev.shape
    n_H = (H + 2 * p - f) // s + 1
    n_W = (Wd + 2 * p - f) // s + 1
    A_pad = zero_pad(A_prev, p)
    Z = np.zeros((m, n_H, n_W, n_C))
    for h in range(n_H):
        for w in range(n_W):
            win = A_pad[:, h * s:h * s + f, w * s:w * s + f, :, None]
            Z[:, h, w, :] = np.sum(win * W[None], axis=(1, 2, 3)) + b.reshape(n_C)
    return Z, (W, A_prev, b, hparameters)
'''),
    Case("cf_hw_swapped", "conv_forward", "shape-swapped", "allocates Z as (m, n_W, n_H, n_C)", '''
def conv_forward(A_prev, W, b, hparameters):
    s, p = hparameters["stride"], hparameters["pad"]
    f, _, _, n_C = W.shape
    m, H, Wd, _ = A_prev.shape
    n_H = (H + 2 * p - f) // s + 1
    n_W = (Wd + 2 * p - f) // s + 1
    A_pad = zero_pad(A_prev, p)
    Z = np.zeros((m, n_W, n_H, n_C))
    for h in range(n_H):
        for w in range(n_W):
            win = A_pad[:, h * s:h * s + f, w * s:w * s + f, :, None]
            Z[:, w, h, :] = np.sum(win * W[None], axis=(1, 2, 3)) + b.reshape(n_C)
    return Z, (A_prev, W, b, hparameters)
'''),
    # ---------------------------------------------------------------- pool_forward
    Case("pf_always_average", "pool_forward", "reduction", "ignores mode and always averages", '''
def pool_forward(A_prev, hparameters, mode="max"):
    f, s = hparameters["f"], hparameters["stride"]
    m, H, Wd, C = A_prev.shape
    n_H, n_W = (H - f) // s + 1, (Wd - f) // s + 1
    A = np.zeros((m, n_H, n_W, C))
    for h in range(n_H):
        for w in range(n_W):
            A[:, h, w, :] = A_prev[:, h * s:h * s + f, w * s:w * s + f, :].mean(axis=(1, 2))
    return A, (A_prev, hparameters)
'''),
    Case("pf_min", "pool_forward", "reduction", "takes the minimum of the window", '''
def pool_forward(A_prev, hparameters, mode="max"):
    f, s = hparameters["f"], hparameters["stride"]
    m, H, Wd, C = A_prev.shape
    A = np.zeros((m, (H - f) // s + 1, (Wd - f) // s + 1, C))
    for h in range(A.shape[1]):
        for w in range(A.shape[2]):
            window = A_prev[:, h * s:h * s + f, w * s:w * s + f, :]
            A[:, h, w, :] = window.min(axis=(1, 2)) if mode == "max" else window.mean(axis=(1, 2))
    return A, (A_prev, hparameters)
'''),
    Case("pf_mean_wrong_count", "pool_forward", "factor", "divides the window sum by f + f", '''
def pool_forward(A_prev, hparameters, mode="max"):
    f, s = hparameters["f"], hparameters["stride"]
    m, H, Wd, C = A_prev.shape
    A = np.zeros((m, (H - f) // s + 1, (Wd - f) // s + 1, C))
    for h in range(A.shape[1]):
        for w in range(A.shape[2]):
            window = A_prev[:, h * s:h * s + f, w * s:w * s + f, :]
            A[:, h, w, :] = window.max(axis=(1, 2)) if mode == "max" else window.sum(axis=(1, 2)) / (f + f)
    return A, (A_prev, hparameters)
''', inputs="average"),
    Case("pf_last_row", "pool_forward", "last-slice", "the row loop stops one short", '''
def pool_forward(A_prev, hparameters, mode="max"):
    f, s = hparameters["f"], hparameters["stride"]
    m, H, Wd, C = A_prev.shape
    n_H, n_W = 1 + (H - f) // s, 1 + (Wd - f) // s
    A = np.zeros((m, n_H, n_W, C))
    reduce = np.max if mode == "max" else np.mean
    for h in range(n_H - 1):
        for w in range(n_W):
            A[:, h, w, :] = reduce(A_prev[:, h * s:h * s + f, w * s:w * s + f, :], axis=(1, 2))
    return A, (A_prev, hparameters)
'''),
    Case("pf_channel_zero", "pool_forward", "only-one-right", "pools channel 0 only", '''
def pool_forward(A_prev, hparameters, mode="max"):
    f, s = hparameters["f"], hparameters["stride"]
    m, H, Wd, C = A_prev.shape
    A = np.zeros((m, 1 + (H - f) // s, 1 + (Wd - f) // s, C))
    for i in range(m):
        for h in range(A.shape[1]):
            for w in range(A.shape[2]):
                window = A_prev[i, h * s:h * s + f, w * s:w * s + f, 0]
                A[i, h, w, 0] = np.max(window) if mode == "max" else np.mean(window)
    return A, (A_prev, hparameters)
'''),
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

TL = [
    Case("ev_count", "evaluate", "factor", "returns the number of correct predictions", '''
def evaluate(model, loader):
    model.eval()
    correct = 0
    with torch.no_grad():
        for images, labels in loader:
            correct += (model(images).argmax(dim=1) == labels).sum().item()
    return correct
'''),
    Case("ev_percent", "evaluate", "factor", "returns a percentage", '''
def evaluate(model, loader):
    model.eval()
    hits, total = 0, 0
    with torch.no_grad():
        for x, y in loader:
            hits += int((model(x).argmax(1) == y).sum())
            total += len(y)
    return 100.0 * hits / total
'''),
    Case("ev_by_batch_size", "evaluate", "factor", "divides by the batch size", '''
def evaluate(model, loader):
    model.eval()
    correct = 0
    with torch.no_grad():
        for images, labels in loader:
            correct += (model(images).argmax(dim=1) == labels).sum().item()
    return correct / loader.batch_size
'''),
    Case("ev_error_rate", "evaluate", "complement", "counts the wrong predictions", '''
def evaluate(model, loader):
    model.eval()
    wrong, n = 0, 0
    with torch.no_grad():
        for images, labels in loader:
            wrong += (model(images).argmax(dim=1) != labels).sum().item()
            n += labels.shape[0]
    return wrong / n
'''),
    Case("tr_total", "train_one_epoch", "factor", "returns the summed loss, not its mean", '''
def train_one_epoch(model, loader, optimizer, loss_fn):
    model.train()
    total = 0.0
    for images, labels in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(images), labels)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(labels)
    return total
'''),
    Case("fb_everything", "freeze_backbone", "dict-entries", "freezes the classifier too", '''
def freeze_backbone(model):
    for p in model.parameters():
        p.requires_grad = False
    return model
'''),
    Case("fb_first_layer", "freeze_backbone", "dict-entries", "freezes the first block only", '''
def freeze_backbone(model):
    for p in model.features[0].parameters():
        p.requires_grad = False
    return model
'''),
    Case("ub_first_block", "unfreeze_last_block", "dict-entries", "unfreezes the first block", '''
def unfreeze_last_block(model):
    for child in model.features.children():
        params = list(child.parameters())
        if params:
            for p in params:
                p.requires_grad = True
            break
    return model
'''),
    Case("rc_one_more", "replace_classifier", "off-by-one", "one output too many", '''
def replace_classifier(model, num_classes):
    model.classifier = nn.Linear(model.classifier.in_features, num_classes + 1)
    return model
'''),
]

TL_RIGHT = [
    Case("ev_ok_concat", "evaluate", None, "collects the predictions, then one mean", '''
def evaluate(model, loader):
    model.eval()
    preds, labels = [], []
    with torch.no_grad():
        for x, y in loader:
            preds.append(model(x).argmax(dim=1))
            labels.append(y)
    return (torch.cat(preds) == torch.cat(labels)).float().mean().item()
'''),
    Case("tr_ok_weighted", "train_one_epoch", None, "weights batch losses by their size", '''
def train_one_epoch(model, loader, optimizer, loss_fn):
    model.train()
    losses, sizes = [], []
    for x, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        sizes.append(len(y))
    return float(np.average(losses, weights=sizes))
'''),
    Case("fb_ok_requires_grad_", "freeze_backbone", None, "requires_grad_(False) on the module", '''
def freeze_backbone(model):
    model.features.requires_grad_(False)
    return model
'''),
    Case("ub_ok_reversed", "unfreeze_last_block", None, "searches the blocks from the end", '''
def unfreeze_last_block(model):
    for block in reversed(list(model.features)):
        if any(True for _ in block.parameters()):
            block.requires_grad_(True)
            return model
    return model
'''),
]
