# question: relu_backward
# expect: full
# why: the lecture's convention, gradient 1 at z >= 0
def relu_backward(dA, Z):
    return np.where(Z >= 0, dA, 0 * dA)
