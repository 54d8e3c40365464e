# question: conv_single_step
# expect: zero
# why: float(b) on a (1, 1, 1) array raises TypeError on NumPy 2.4
# fails: test_inputs_unchanged, test_returns_scalar, test_values[bias_once], test_values[f1c1], test_values[f3c4], test_values[f5c1], test_values[float32]
# names: float(b)
def conv_single_step(a_slice_prev, W, b):
    s = a_slice_prev * W
    Z = np.sum(s)
    Z = Z + float(b)
    return Z
