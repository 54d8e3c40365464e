# question: pool_forward
# expect: full
# why: loops over output positions only, reducing batch and channels at once; float64 output; list cache
def pool_forward(A_prev, hparameters, mode="max"):
    m, n_H_prev, n_W_prev, n_C = A_prev.shape
    f = hparameters["f"]
    stride = hparameters["stride"]
    n_H = int(1 + (n_H_prev - f) / stride)
    n_W = int(1 + (n_W_prev - f) / stride)
    A = np.zeros((m, n_H, n_W, n_C))
    for h in range(n_H):
        for w in range(n_W):
            window = A_prev[:, h * stride:h * stride + f, w * stride:w * stride + f, :]
            if mode == "average":
                A[:, h, w, :] = np.mean(window, axis=(1, 2))
            else:
                A[:, h, w, :] = np.max(window, axis=(1, 2))
    return A, [A_prev, hparameters]
