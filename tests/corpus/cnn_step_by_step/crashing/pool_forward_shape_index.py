# question: pool_forward
# hint: shape-index
# why: the channel count read from A_prev.shape[4] (the axes are 0..3)
def pool_forward(A_prev, hparameters, mode="max"):
    m = A_prev.shape[0]
    n_H_prev = A_prev.shape[1]
    n_W_prev = A_prev.shape[2]
    n_C = A_prev.shape[4]
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
                    A[i, h, w, c] = np.max(window) if mode == "max" else np.mean(window)
    return A, (A_prev, hparameters)
