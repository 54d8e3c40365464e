# question: zero_pad
# expect: partial
# why: mode="edge" repeats the border values instead of zeros
# fails: test_values[float32], test_values[nonsquare], test_values[single], test_values[square]
# names: mode='edge'
def zero_pad(X, pad):
    return np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="edge")
