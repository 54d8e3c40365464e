# question: zero_pad
# hint: pad-width-axes
# why: np.pad with three (before, after) pairs for a four-axis array
def zero_pad(X, pad):
    X_pad = np.pad(X, ((0, 0), (pad, pad), (pad, pad)), mode="constant", constant_values=0)
    return X_pad
