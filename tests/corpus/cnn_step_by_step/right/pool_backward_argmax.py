# question: pool_backward
# expect: full
# why: four loops, gradient routed to the argmax position (like PyTorch), average via the distribute_value helper
def pool_backward(dA, cache, mode="max"):
    (A_prev, hparameters) = cache
    stride = hparameters["stride"]
    f = hparameters["f"]
    m, n_H, n_W, n_C = dA.shape
    dA_prev = np.zeros_like(A_prev, dtype=float)
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    vs, hs = h * stride, w * stride
                    if mode == "max":
                        window = A_prev[i, vs:vs + f, hs:hs + f, c]
                        r, q = np.unravel_index(np.argmax(window), window.shape)
                        dA_prev[i, vs + r, hs + q, c] += dA[i, h, w, c]
                    elif mode == "average":
                        dA_prev[i, vs:vs + f, hs:hs + f, c] += distribute_value(dA[i, h, w, c], (f, f))
    return dA_prev
