# question: conv_param_count
# expect: partial
# why: one bias per input channel instead of per filter (right only when n_C_prev == 1)
# fails: test_values[f1], test_values[f5], test_values[lecture], test_values[misc], test_values[one]
# names: not one per input channel | 입력 채널마다가 아니라
def conv_param_count(f, n_C_prev, n_filters):
    return (f * f + 1) * n_C_prev * n_filters
