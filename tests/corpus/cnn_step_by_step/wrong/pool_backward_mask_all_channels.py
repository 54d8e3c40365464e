# question: pool_backward
# expect: partial
# why: max mask computed over the window of all channels
# fails: test_numerical_gradient[max], test_values[max_2x2], test_values[max_float32], test_values[max_floor], test_values[max_overlap]
# names: A_prev[i, vs:ve, hs:he, c]
def pool_backward(dA, cache, mode="max"):
    (A_prev, hparameters) = cache
    stride = hparameters["stride"]
    f = hparameters["f"]
    m, n_H, n_W, n_C = dA.shape
    dA_prev = np.zeros(A_prev.shape)
    for i in range(m):
        a_prev = A_prev[i]
        for h in range(n_H):
            vert_start = h * stride
            vert_end = vert_start + f
            for w in range(n_W):
                horiz_start = w * stride
                horiz_end = horiz_start + f
                for c in range(n_C):
                    if mode == "max":
                        window = a_prev[vert_start:vert_end, horiz_start:horiz_end, :]
                        mask = window == np.max(window)
                        dA_prev[i, vert_start:vert_end, horiz_start:horiz_end, c] += mask[:, :, c] * dA[i, h, w, c]
                    else:
                        dA_prev[i, vert_start:vert_end, horiz_start:horiz_end, c] += distribute_value(dA[i, h, w, c], (f, f))
    return dA_prev
