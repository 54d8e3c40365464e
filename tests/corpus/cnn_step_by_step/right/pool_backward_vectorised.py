# question: pool_backward
# expect: full
# why: loops over output positions only, masks for the whole batch and all channels at once (keepdims)
def pool_backward(dA, cache, mode="max"):
    A_prev, hparameters = cache
    f, s = hparameters["f"], hparameters["stride"]
    _, n_H, n_W, _ = dA.shape
    dA_prev = np.zeros(A_prev.shape)
    for h in range(n_H):
        for w in range(n_W):
            rows, cols = slice(h * s, h * s + f), slice(w * s, w * s + f)
            g = dA[:, h, w, :][:, None, None, :]
            if mode == "max":
                window = A_prev[:, rows, cols, :]
                mask = window == window.max(axis=(1, 2), keepdims=True)
                dA_prev[:, rows, cols, :] += mask * g
            else:
                dA_prev[:, rows, cols, :] += g / (f * f)
    return dA_prev
