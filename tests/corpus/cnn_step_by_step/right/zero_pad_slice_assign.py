# question: zero_pad
# expect: full
# why: np.zeros of the padded shape + slice assignment (float64 result even for float32 input)
def zero_pad(X, pad):
    m, n_H, n_W, n_C = X.shape
    X_pad = np.zeros((m, n_H + 2 * pad, n_W + 2 * pad, n_C))
    X_pad[:, pad:pad + n_H, pad:pad + n_W, :] = X
    return X_pad
