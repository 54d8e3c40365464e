# question: conv_output_shape
# hint: unpack-count
# why: unpacks the three-entry input_shape into two names
def conv_output_shape(input_shape, f, n_filters, pad, stride):
    n_H_prev, n_W_prev = input_shape
    n_H = (n_H_prev + 2 * pad - f) // stride + 1
    n_W = (n_W_prev + 2 * pad - f) // stride + 1
    return (n_H, n_W, n_filters)
