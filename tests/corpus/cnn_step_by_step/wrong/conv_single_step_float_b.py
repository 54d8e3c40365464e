# question: conv_single_step
# expect: zero
# why: float(b) on a (1, 1, 1) array raises TypeError on NumPy 2.4
def conv_single_step(a_slice_prev, W, b):
    s = a_slice_prev * W
    Z = np.sum(s)
    Z = Z + float(b)
    return Z
