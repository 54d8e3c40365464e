# question: pointwise_conv
# expect: partial
# why: the bias is never added
# fails: test_values[expand], test_values[f32], test_values[reduce]
# names: 편향 b가 빠졌습니다
def pointwise_conv(A, W, b):
    return np.einsum("mhwc,cd->mhwd", A, W[0, 0])
