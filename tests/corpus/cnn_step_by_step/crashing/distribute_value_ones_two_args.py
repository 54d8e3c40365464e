# question: distribute_value
# hint: shape-not-a-tuple
# why: np.ones(n_H, n_W): the shape must be one tuple (the second argument is the dtype)
def distribute_value(dz, shape):
    (n_H, n_W) = shape
    average = dz / (n_H * n_W)
    a = np.ones(n_H, n_W) * average
    return a
