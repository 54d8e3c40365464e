# question: conv_param_counts
# expect: partial
# why: counts the weights only, no biases
# fails: test_counts[f1], test_counts[f5], test_counts[wide], test_lecture_example, test_random
# names: 편향이 빠졌습니다
def conv_param_counts(f, n_C_prev, n_C):
    return f * f * n_C_prev * n_C, f * f * n_C_prev + n_C_prev * n_C
