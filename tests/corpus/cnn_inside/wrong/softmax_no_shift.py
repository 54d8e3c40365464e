# question: softmax
# expect: partial
# why: no subtraction of the maximum: overflows on large scores
# fails: test_large_scores, test_row_scales
# names: 최댓값을 빼세요
def softmax(Z):
    e = np.exp(Z)
    return e / e.sum(axis=1, keepdims=True)
