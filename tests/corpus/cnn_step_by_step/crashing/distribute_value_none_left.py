# question: distribute_value
# hint: placeholder
# why: average still None
def distribute_value(dz, shape):
    (n_H, n_W) = shape
    average = None
    a = np.ones(shape) * average
    return a
