# question: fc_backward
# expect: partial
# why: db loses its (1, n_out) shape
# fails: test_db_shape, test_wide
# names: keepdims=True
def fc_backward(dZ, cache):
    A, W, b = cache
    return dZ @ W.T, A.T @ dZ, dZ.sum(axis=0)
