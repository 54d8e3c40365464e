# question: zero_pad
# expect: partial
# why: pads only the top and the left
# fails: test_values[float32], test_values[nonsquare], test_values[single], test_values[square]
# names: Only one side | 한쪽에만
def zero_pad(X, pad):
    return np.pad(X, ((0, 0), (pad, 0), (pad, 0), (0, 0)), mode="constant", constant_values=0)
