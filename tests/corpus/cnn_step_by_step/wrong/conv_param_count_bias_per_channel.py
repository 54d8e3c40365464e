# question: conv_param_count
# expect: partial
# why: one bias per input channel instead of per filter (right only when n_C_prev == 1)
def conv_param_count(f, n_C_prev, n_filters):
    return (f * f + 1) * n_C_prev * n_filters
