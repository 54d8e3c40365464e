# question: create_mask_from_window
# hint: returns-placeholder
# why: mask = None placeholder
def create_mask_from_window(x):
    mask = None
    return mask
