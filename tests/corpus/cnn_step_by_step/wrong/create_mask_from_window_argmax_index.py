# question: create_mask_from_window
# expect: zero
# why: returns the argmax index instead of a mask
def create_mask_from_window(x):
    return np.argmax(x)
