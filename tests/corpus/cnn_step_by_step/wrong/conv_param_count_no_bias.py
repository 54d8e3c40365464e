# question: conv_param_count
# expect: partial
# why: biases forgotten
# fails: test_values[f1], test_values[f5], test_values[grey], test_values[lecture], test_values[misc], test_values[one]
# names: biases are missing | 편향이 빠졌습니다
def conv_param_count(f, n_C_prev, n_filters):
    return f * f * n_C_prev * n_filters
