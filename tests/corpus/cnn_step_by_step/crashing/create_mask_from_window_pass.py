# question: create_mask_from_window
# hint: returns-placeholder
# why: the body is still `pass` (the solution line is commented out)
def create_mask_from_window(x):
    # mask = x == np.max(x)
    pass
