# question: create_mask_from_window
# expect: zero
# why: returns x where it is maximal and 0 elsewhere (values instead of a mask); x in place
# fails: test_input_unchanged, test_ties, test_values[1x1], test_values[2x3], test_values[3x3], test_values[float32], test_values[negative]
# names: the maximum's value | 최댓값 자체
def create_mask_from_window(x):
    x[x != np.max(x)] = 0
    return x
