# question: pca_2d
# expect: zero
# why: the sign convention reversed: each direction's largest entry made negative
# fails: test_digit_features, test_offset, test_random
# names: 부호만 다릅니다
def pca_2d(features):
    X = features - features.mean(axis=0)
    _, _, Vt = np.linalg.svd(X, full_matrices=False)
    top = Vt[:2]
    top = -top * np.sign(top[np.arange(2), np.abs(top).argmax(axis=1)])[:, None]
    return X @ top.T
