# question: zero_pad
# expect: partial
# why: pads the batch axis and height instead of height and width
def zero_pad(X, pad):
    return np.pad(X, ((pad, pad), (pad, pad), (0, 0), (0, 0)), mode="constant", constant_values=0)
