# question: separable_conv_forward
# expect: zero
# why: returns the depthwise step only, forgetting the pointwise step
# fails: test_values[s1p1], test_values[s2]
# names: pointwise_conv를 적용하세요
def separable_conv_forward(A_prev, W_dw, b_dw, W_pw, b_pw, hparameters):
    A_dw, _ = depthwise_conv_forward(A_prev, W_dw, b_dw, hparameters)
    return A_dw
