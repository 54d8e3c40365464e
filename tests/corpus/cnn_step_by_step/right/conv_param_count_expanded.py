# question: conv_param_count
# expect: full
# why: weights and biases counted separately
def conv_param_count(f, n_C_prev, n_filters):
    weights = f * f * n_C_prev * n_filters
    biases = n_filters
    return weights + biases
