# question: conv_param_count
# hint: notebook-only-name
# why: uses n_C, a name that existed only in the student's Jupyter session
def conv_param_count(f, n_C_prev, n_filters):
    weights = f * f * n_C_prev
    return (weights + 1) * n_C
