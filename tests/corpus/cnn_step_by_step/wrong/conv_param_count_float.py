# question: conv_param_count
# expect: partial
# why: returns a float (np.prod of a float list)
# fails: test_returns_int
# names: int()
def conv_param_count(f, n_C_prev, n_filters):
    return float(np.prod([f, f, n_C_prev]) + 1) * n_filters
