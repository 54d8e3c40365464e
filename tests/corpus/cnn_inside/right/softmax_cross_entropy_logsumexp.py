# question: softmax_cross_entropy
# expect: full
# why: one-hot matrix and a log-sum-exp written out
def softmax_cross_entropy(Z, Y):
    m, C = Z.shape
    top = Z.max(axis=1, keepdims=True)
    lse = top + np.log(np.exp(Z - top).sum(axis=1, keepdims=True))
    one_hot = np.eye(C)[Y]
    loss = float(np.mean(lse[:, 0] - (Z * one_hot).sum(axis=1)))
    return loss, (softmax(Z) - one_hot) / m
