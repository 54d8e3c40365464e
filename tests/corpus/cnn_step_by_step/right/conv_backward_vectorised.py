# question: conv_backward
# expect: full
# why: loops over output positions only, einsum/tensordot over batch and channels, np.pad inline, db via keepdims
def conv_backward(dZ, cache):
    A_prev, W, b, hparameters = cache
    m, n_H_prev, n_W_prev, n_C_prev = A_prev.shape
    f = W.shape[0]
    s, p = hparameters["stride"], hparameters["pad"]
    _, n_H, n_W, n_C = dZ.shape
    A_pad = np.pad(A_prev, ((0, 0), (p, p), (p, p), (0, 0)))
    dA_pad = np.zeros(A_pad.shape)
    dW = np.zeros(W.shape)
    for h in range(n_H):
        for w in range(n_W):
            rows, cols = slice(h * s, h * s + f), slice(w * s, w * s + f)
            g = dZ[:, h, w, :]                                   # (m, n_C)
            dA_pad[:, rows, cols, :] += np.einsum("ijcn,mn->mijc", W, g)
            dW += np.tensordot(A_pad[:, rows, cols, :], g, axes=([0], [0]))
    db = np.sum(dZ, axis=(0, 1, 2), keepdims=True)
    dA_prev = dA_pad[:, p:p + n_H_prev, p:p + n_W_prev, :]
    return dA_prev, dW, db
