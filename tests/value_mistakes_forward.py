"""Value mistakes of the numpy forward functions (see tests/value_mistakes.py)."""
from __future__ import annotations

from value_mistakes import Case

FORWARD = [
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
]
