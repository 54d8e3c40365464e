# question: distribute_value
# expect: partial
# why: divides by n_H + n_W (equal to n_H * n_W only on a 2x2 window)
def distribute_value(dz, shape):
    (n_H, n_W) = shape
    average = dz / (n_H + n_W)
    return np.ones(shape) * average
