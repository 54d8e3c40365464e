# question: conv_single_step
# expect: partial
# why: bias added inside the sum (f*f*n_C_prev times); right only when f*f*n_C_prev == 1
def conv_single_step(a_slice_prev, W, b):
    return np.sum(a_slice_prev * W + b.item())
