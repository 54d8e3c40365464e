# question: conv_single_step
# expect: full
# why: np.multiply + np.sum + np.squeeze(b) (returns a 0-d array)
def conv_single_step(a_slice_prev, W, b):
    s = np.multiply(a_slice_prev, W)
    Z = np.sum(s)
    Z = Z + np.squeeze(b)
    return Z
