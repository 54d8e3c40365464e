# question: distribute_value
# hint: time-limit
# why: a while loop whose counter is never incremented
def distribute_value(dz, shape):
    (n_H, n_W) = shape
    average = dz / (n_H * n_W)
    a = np.zeros(shape)
    i = 0
    while i < n_H:
        for j in range(n_W):
            a[i, j] = average
    return a
