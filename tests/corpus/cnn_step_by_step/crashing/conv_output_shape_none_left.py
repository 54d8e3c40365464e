# question: conv_output_shape
# hint: returns-placeholder
# why: the height formula is still the placeholder None
def conv_output_shape(input_shape, f, n_filters, pad, stride):
    n_H_prev, n_W_prev, n_C_prev = input_shape
    n_H = None  # (≈ 1 line)
    n_W = int((n_W_prev + 2 * pad - f) / stride) + 1
    return (n_H, n_W, n_filters)
