# question: conv_param_count
# hint: placeholder
# why: the weights per filter are still None
def conv_param_count(f, n_C_prev, n_filters):
    weights_per_filter = None
    biases_per_filter = 1
    return (weights_per_filter + biases_per_filter) * n_filters
