# question: dropout_forward
# expect: partial
# why: plain dropout: kept units are not divided by keep_prob, the expectation shrinks
# fails: test_expectation, test_scale_like_torch, test_train[p05], test_train[p08]
# names: keep_prob로 나눕니다
def dropout_forward(A, keep_prob, train, seed):
    if not train:
        return A.copy(), np.ones(A.shape, dtype=bool)
    mask = np.random.default_rng(seed).random(A.shape) < keep_prob
    return A * mask, mask
