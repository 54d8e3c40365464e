# question: zero_pad
# expect: partial
# why: mode="edge" repeats the border values instead of zeros
def zero_pad(X, pad):
    return np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="edge")
