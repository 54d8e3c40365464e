# question: create_mask_from_window
# expect: partial
# why: compares with the maximum of each column (np.max(x, axis=0))
# fails: test_ties, test_values[2x3], test_values[3x3], test_values[float32], test_values[negative]
# names: np.max(x, axis=0)
def create_mask_from_window(x):
    return x == np.max(x, axis=0)
