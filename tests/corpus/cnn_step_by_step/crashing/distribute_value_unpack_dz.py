# question: distribute_value
# hint: unpack-count
# why: unpacks dz (a number) as if it were the shape
def distribute_value(dz, shape):
    (n_H, n_W) = dz
    average = dz / (n_H * n_W)
    return np.ones(shape) * average
