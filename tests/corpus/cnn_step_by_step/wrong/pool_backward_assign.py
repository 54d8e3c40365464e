# question: pool_backward
# expect: partial
# why: `=` instead of `+=` (only shows with overlapping windows, stride < f)
# fails: test_numerical_gradient[average], test_numerical_gradient[max], test_values[avg_float32], test_values[avg_overlap], test_values[max_float32], test_values[max_overlap]
# names: `+=`
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
                        mask = create_mask_from_window(a_prev[vert_start:vert_end, horiz_start:horiz_end, c])
                        dA_prev[i, vert_start:vert_end, horiz_start:horiz_end, c] = mask * dA[i, h, w, c]
                    else:
                        dA_prev[i, vert_start:vert_end, horiz_start:horiz_end, c] = distribute_value(dA[i, h, w, c], (f, f))
    return dA_prev
