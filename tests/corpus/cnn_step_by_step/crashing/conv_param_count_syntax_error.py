# question: conv_param_count
# hint: function-not-defined
# why: a missing colon: the cell does not compile, so the function never exists
def conv_param_count(f, n_C_prev, n_filters)
    return (f * f * n_C_prev + 1) * n_filters
