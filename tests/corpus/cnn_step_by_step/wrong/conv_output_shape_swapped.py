# question: conv_output_shape
# expect: partial
# why: height and width swapped (only shows on non-square inputs)
# fails: test_values[f1], test_values[floor], test_values[nonsquare], test_values[pad2], test_values[same]
# names: (n_H_prev, n_W_prev, n_C_prev)
def conv_output_shape(input_shape, f, n_filters, pad, stride):
    n_W_prev, n_H_prev, _ = input_shape
    n_H = (n_H_prev + 2 * pad - f) // stride + 1
    n_W = (n_W_prev + 2 * pad - f) // stride + 1
    return (n_H, n_W, n_filters)
