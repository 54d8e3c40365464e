# question: distribute_value
# expect: partial
# why: integer division // (wrong for an int dz, and floors every float dz too)
# fails: test_values[2x2], test_values[2x3], test_values[3x3], test_values[4x3], test_values[float32], test_values[int]
# names: 7 / 4
def distribute_value(dz, shape):
    (n_H, n_W) = shape
    return np.ones(shape) * (dz // (n_H * n_W))
