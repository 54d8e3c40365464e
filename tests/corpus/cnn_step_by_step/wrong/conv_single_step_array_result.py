# question: conv_single_step
# expect: partial
# why: Z + b keeps b's shape: returns a (1, 1, 1) array instead of a scalar
# fails: test_returns_scalar
# names: b.item()
def conv_single_step(a_slice_prev, W, b):
    return np.sum(a_slice_prev * W) + b
