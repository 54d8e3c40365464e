# question: relu_backward
# expect: partial
# why: returns ReLU's derivative without multiplying by the upstream gradient
# fails: test_at_zero, test_lecture_example, test_values[1d], test_values[3d], test_values[f32]
# names: dA를 곱하세요
def relu_backward(dA, Z):
    return (Z > 0).astype(dA.dtype)
