# question: conv_single_step
# expect: partial
# why: bias added inside the sum (f*f*n_C_prev times); right only when f*f*n_C_prev == 1
# fails: test_values[bias_once], test_values[f3c4], test_values[f5c1], test_values[float32]
# names: np.sum(a_slice_prev * W + b)
def conv_single_step(a_slice_prev, W, b):
    return np.sum(a_slice_prev * W + b.item())
