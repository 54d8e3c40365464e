# question: conv_param_count
# expect: zero
# why: biases forgotten
def conv_param_count(f, n_C_prev, n_filters):
    return f * f * n_C_prev * n_filters
