# question: zero_pad
# expect: partial
# why: pads the batch axis and height instead of height and width
# fails: test_values[float32], test_values[nonsquare], test_values[single], test_values[square]
# names: batch and height axes | 배치·높이 축
def zero_pad(X, pad):
    return np.pad(X, ((pad, pad), (pad, pad), (0, 0), (0, 0)), mode="constant", constant_values=0)
