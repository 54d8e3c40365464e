# question: conv_single_step
# hint: float-of-array
# why: int(b) on the (1, 1, 1) bias (and truncates it)
def conv_single_step(a_slice_prev, W, b):
    Z = np.sum(a_slice_prev * W)
    Z = Z + int(b)
    return Z
