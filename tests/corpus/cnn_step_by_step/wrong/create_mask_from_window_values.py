# question: create_mask_from_window
# expect: zero
# why: returns x where it is maximal and 0 elsewhere (values instead of a mask); x in place
def create_mask_from_window(x):
    x[x != np.max(x)] = 0
    return x
