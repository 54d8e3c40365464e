# question: distribute_value
# expect: full
# why: np.full with the average
def distribute_value(dz, shape):
    n_H, n_W = shape
    return np.full((n_H, n_W), dz / (n_H * n_W))
