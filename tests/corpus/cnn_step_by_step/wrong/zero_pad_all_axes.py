# question: zero_pad
# expect: partial
# why: np.pad(X, pad) pads every axis, batch and channels included (right only for pad == 0)
def zero_pad(X, pad):
    return np.pad(X, pad, mode="constant")
