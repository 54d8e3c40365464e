# question: create_mask_from_window
# expect: full
# why: 0/1 integer mask with np.where (accepted: behaves like a boolean mask when multiplied)
def create_mask_from_window(x):
    return np.where(x == np.max(x), 1, 0)
