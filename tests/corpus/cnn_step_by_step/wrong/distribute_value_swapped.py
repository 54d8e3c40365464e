# question: distribute_value
# expect: partial
# why: builds the array with the shape swapped (only shows on non-square windows)
# fails: test_values[2x3], test_values[4x3], test_values[float32]
# names: (n_H, n_W) = shape
def distribute_value(dz, shape):
    (n_H, n_W) = shape
    return np.ones((n_W, n_H)) * dz / (n_H * n_W)
