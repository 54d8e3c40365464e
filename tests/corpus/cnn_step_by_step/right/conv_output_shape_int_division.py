# question: conv_output_shape
# expect: full
# why: int() of the true quotient (truncation equals floor for non-negative sizes), numpy ints
def conv_output_shape(input_shape, f, n_filters, pad, stride):
    n_H_prev, n_W_prev, n_C_prev = input_shape
    n_H = np.int64(int((n_H_prev + 2 * pad - f) / stride) + 1)
    n_W = np.int64(int((n_W_prev + 2 * pad - f) / stride) + 1)
    return (n_H, n_W, n_filters)
