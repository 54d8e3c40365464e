# question: pool_forward
# expect: partial
# why: running maximum starts from 0 (wrong when a whole window is negative)
# fails: test_negative_values
# names: np.max(window)
def pool_forward(A_prev, hparameters, mode="max"):
    (m, n_H_prev, n_W_prev, n_C) = A_prev.shape
    f = hparameters["f"]
    stride = hparameters["stride"]
    n_H = (n_H_prev - f) // stride + 1
    n_W = (n_W_prev - f) // stride + 1
    A = np.zeros((m, n_H, n_W, n_C))
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    window = A_prev[i, h * stride:h * stride + f, w * stride:w * stride + f, c]
                    if mode == "max":
                        best = 0
                        for v in window.flat:
                            if v > best:
                                best = v
                        A[i, h, w, c] = best
                    else:
                        A[i, h, w, c] = np.mean(window)
    return A, (A_prev, hparameters)
