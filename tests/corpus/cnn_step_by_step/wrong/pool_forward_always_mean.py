# question: pool_forward
# expect: partial
# why: ignores mode: always the mean (right only for average pooling)
# fails: test_negative_values, test_values[max_2x2], test_values[max_float32], test_values[max_floor], test_values[max_overlap]
# names: how you use `mode` | `mode`를 어떻게 쓰는지
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
                    A[i, h, w, c] = np.mean(window)
    return A, (A_prev, hparameters)
