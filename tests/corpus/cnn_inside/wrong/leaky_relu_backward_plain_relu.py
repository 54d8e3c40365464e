# question: leaky_relu_backward
# expect: partial
# why: plain ReLU backward: the alpha slope is lost
# fails: test_values[alpha02], test_values[default], test_values[f32]
# names: 그냥 ReLU
def leaky_relu_backward(dA, Z, alpha=0.01):
    return dA * (Z > 0)
