# question: pca_2d
# expect: zero
# why: no sign convention: the embedding is right up to the sign of each axis
# fails: test_digit_features, test_offset, test_random
# names: 부호만 다릅니다
def pca_2d(features):
    X = features - features.mean(axis=0)
    _, _, Vt = np.linalg.svd(X, full_matrices=False)
    return X @ (-Vt[:2]).T
