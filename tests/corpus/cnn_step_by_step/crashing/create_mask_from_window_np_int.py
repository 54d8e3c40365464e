# question: create_mask_from_window
# hint: numpy-alias
# why: astype(np.int), removed from NumPy
def create_mask_from_window(x):
    mask = (x == np.max(x)).astype(np.int)
    return mask
