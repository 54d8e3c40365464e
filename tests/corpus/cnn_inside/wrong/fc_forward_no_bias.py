# question: fc_forward
# expect: partial
# why: forgets the bias
# fails: test_values[f32], test_values[head], test_values[small]
# names: Z = A @ W + b
def fc_forward(A, W, b):
    return A @ W, (A, W, b)
