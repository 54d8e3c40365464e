# question: zero_pad
# hint: recursion
# why: calls zero_pad inside zero_pad (meant np.pad)
def zero_pad(X, pad):
    X_pad = zero_pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    return X_pad
