# question: conv_single_step
# expect: full
# why: python float via float(np.sum(...)) + b.item(); tensordot
def conv_single_step(a_slice_prev, W, b):
    return float(np.tensordot(a_slice_prev, W, axes=3)) + b.item()
