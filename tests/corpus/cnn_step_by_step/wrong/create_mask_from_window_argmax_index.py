# question: create_mask_from_window
# expect: partial
# why: returns the argmax index instead of a mask
# fails: test_ties, test_values[1x1], test_values[2x3], test_values[3x3], test_values[float32], test_values[negative]
# names: np.argmax
def create_mask_from_window(x):
    return np.argmax(x)
