# question: distribute_value
# expect: partial
# why: integer division // (wrong for an int dz, and floors every float dz too)
def distribute_value(dz, shape):
    (n_H, n_W) = shape
    return np.ones(shape) * (dz // (n_H * n_W))
