# question: zero_pad
# expect: partial
# why: np.pad(X, pad) pads every axis, batch and channels included (right only for pad == 0)
# fails: test_values[float32], test_values[nonsquare], test_values[single], test_values[square]
# names: All four axes | 네 축 모두
def zero_pad(X, pad):
    return np.pad(X, pad, mode="constant")
