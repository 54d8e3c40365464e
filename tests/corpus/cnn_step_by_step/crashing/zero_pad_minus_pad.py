# question: zero_pad
# hint: unpad-minus-pad
# why: writes X into [pad:-pad] of a zero array: empty at pad == 0
def zero_pad(X, pad):
    m, n_H, n_W, n_C = X.shape
    X_pad = np.zeros((m, n_H + 2 * pad, n_W + 2 * pad, n_C))
    X_pad[:, pad:-pad, pad:-pad, :] = X
    return X_pad
