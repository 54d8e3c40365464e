# question: create_mask_from_window
# expect: partial
# why: marks the minimum instead of the maximum (right only for a 1x1 window)
# fails: test_ties, test_values[2x3], test_values[3x3], test_values[float32], test_values[negative]
# names: marks the minimum | 최솟값을 표시
def create_mask_from_window(x):
    return x == np.min(x)
