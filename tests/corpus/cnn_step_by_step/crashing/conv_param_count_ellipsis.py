# question: conv_param_count
# hint: placeholder
# why: `...` left where the number of weights goes
def conv_param_count(f, n_C_prev, n_filters):
    n_weights = ...
    n_biases = n_filters
    return n_weights * n_filters + n_biases
