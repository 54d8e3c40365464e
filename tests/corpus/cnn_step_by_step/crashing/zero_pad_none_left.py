# question: zero_pad
# hint: returns-placeholder
# why: X_pad = None placeholder never filled in
def zero_pad(X, pad):
    X_pad = None
    return X_pad
