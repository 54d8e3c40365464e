# question: distribute_value
# expect: partial
# why: divides by n_H + n_W (equal to n_H * n_W only on a 2x2 window)
# fails: test_values[1x1], test_values[2x3], test_values[3x3], test_values[4x3], test_values[float32]
# names: dz / (n_H + n_W)
def distribute_value(dz, shape):
    (n_H, n_W) = shape
    average = dz / (n_H + n_W)
    return np.ones(shape) * average
