# question: create_mask_from_window
# expect: partial
# why: compares with the maximum of each column (np.max(x, axis=0))
def create_mask_from_window(x):
    return x == np.max(x, axis=0)
