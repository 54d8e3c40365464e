# question: conv_forward
# expect: full
# why: loops over positions only, tensordot over the window, float64 output even for float32 input, list result
def conv_forward(A_prev, W, b, hparameters):
    m, n_H_prev, n_W_prev, n_C_prev = A_prev.shape
    f, _, _, n_C = W.shape
    s, p = hparameters["stride"], hparameters["pad"]
    n_H = int((n_H_prev + 2 * p - f) / s) + 1
    n_W = int((n_W_prev + 2 * p - f) / s) + 1
    A_pad = zero_pad(A_prev, p)
    Z = np.zeros((m, n_H, n_W, n_C), dtype=np.float64)
    for h in range(n_H):
        for w in range(n_W):
            window = A_pad[:, h * s:h * s + f, w * s:w * s + f, :]
            Z[:, h, w, :] = np.tensordot(window, W, axes=([1, 2, 3], [0, 1, 2])) + b[0, 0, 0, :]
    cache = (A_prev, W, b, hparameters)
    return [Z, cache]
