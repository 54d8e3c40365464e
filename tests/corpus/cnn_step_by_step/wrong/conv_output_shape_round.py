# question: conv_output_shape
# expect: partial
# why: round() instead of floor (differs when the fractional part is above one half)
# fails: test_values[floor], test_values[lecture]
# names: floor
def conv_output_shape(input_shape, f, n_filters, pad, stride):
    n_H_prev, n_W_prev, _ = input_shape
    n_H = round((n_H_prev + 2 * pad - f) / stride) + 1
    n_W = round((n_W_prev + 2 * pad - f) / stride) + 1
    return (n_H, n_W, n_filters)
