# question: create_mask_from_window
# expect: full
# why: one-hot mask of the first maximum via argmax (marks one of tied maxima, like PyTorch)
def create_mask_from_window(x):
    mask = np.zeros(x.shape, dtype=bool)
    mask[np.unravel_index(np.argmax(x), x.shape)] = True
    return mask
