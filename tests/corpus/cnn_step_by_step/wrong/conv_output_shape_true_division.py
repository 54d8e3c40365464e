# question: conv_output_shape
# expect: partial
# why: `/` instead of `//`: floats, and fractional sizes when the stride does not divide
# fails: test_returns_tuple_of_ints, test_values[floor], test_values[lecture]
# names: (n + 2*pad - f) / stride + 1
def conv_output_shape(input_shape, f, n_filters, pad, stride):
    n_H_prev, n_W_prev, _ = input_shape
    n_H = (n_H_prev + 2 * pad - f) / stride + 1
    n_W = (n_W_prev + 2 * pad - f) / stride + 1
    return (n_H, n_W, n_filters)
