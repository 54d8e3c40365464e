# question: conv_single_step
# expect: full
# why: einsum and b[0, 0, 0]
def conv_single_step(a_slice_prev, W, b):
    return np.einsum("ijk,ijk->", a_slice_prev, W) + b[0, 0, 0]
