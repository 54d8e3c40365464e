# question: conv_single_step
# hint: placeholder
# why: Z = None placeholder, then the bias is added to it
def conv_single_step(a_slice_prev, W, b):
    s = np.multiply(a_slice_prev, W)
    Z = None
    Z = Z + b.item()
    return Z
