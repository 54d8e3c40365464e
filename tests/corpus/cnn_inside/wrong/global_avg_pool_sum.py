# question: global_avg_pool
# expect: partial
# why: sums each feature map instead of averaging it
# fails: test_lecture_shape, test_values[f32], test_values[nonsquare]
# names: n_H * n_W로 나누세요
def global_avg_pool(A):
    return A.sum(axis=(1, 2))
