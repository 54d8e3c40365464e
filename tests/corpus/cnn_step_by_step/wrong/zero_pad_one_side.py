# question: zero_pad
# expect: partial
# why: pads only the top and the left
def zero_pad(X, pad):
    return np.pad(X, ((0, 0), (pad, 0), (pad, 0), (0, 0)), mode="constant", constant_values=0)
