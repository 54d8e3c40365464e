# question: conv_single_step
# hint: too-many-indices
# why: indexes the (f, f, n_C_prev) filter as if it were the whole W
def conv_single_step(a_slice_prev, W, b):
    s = a_slice_prev * W[:, :, :, 0]
    return np.sum(s) + b.item()
