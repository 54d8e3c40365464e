# question: create_mask_from_window
# expect: partial
# why: marks the minimum instead of the maximum (right only for a 1x1 window)
def create_mask_from_window(x):
    return x == np.min(x)
