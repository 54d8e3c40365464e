# question: conv_single_step
# expect: partial
# why: multiplies a_slice_prev in place (modifies the caller's array)
# fails: test_inputs_unchanged
# names: x = x.copy()
def conv_single_step(a_slice_prev, W, b):
    a_slice_prev *= W
    return np.sum(a_slice_prev) + b.item()
