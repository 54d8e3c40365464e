# question: conv_output_shape
# expect: zero
# why: n_C taken from the input channels instead of the number of filters; returns a list
# fails: test_returns_tuple_of_ints, test_values[f1], test_values[floor], test_values[lecture], test_values[nfilters], test_values[nonsquare], test_values[pad2], test_values[same]
# names: n_filters
def conv_output_shape(input_shape, f, n_filters, pad, stride):
    n_H_prev, n_W_prev, n_C_prev = input_shape
    n_H = (n_H_prev + 2 * pad - f) // stride + 1
    n_W = (n_W_prev + 2 * pad - f) // stride + 1
    return [n_H, n_W, n_C_prev]
