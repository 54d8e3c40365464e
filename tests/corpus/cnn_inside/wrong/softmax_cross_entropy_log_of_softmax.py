# question: softmax_cross_entropy
# expect: partial
# why: log(softmax(Z)): the loss is inf when a probability underflows
# fails: test_large_logits
# names: log(sum(exp(Z - max)))
def softmax_cross_entropy(Z, Y):
    m = Z.shape[0]
    P = softmax(Z)
    loss = float(-np.log(P[np.arange(m), Y]).mean())
    dZ = P.copy()
    dZ[np.arange(m), Y] -= 1
    return loss, dZ / m
