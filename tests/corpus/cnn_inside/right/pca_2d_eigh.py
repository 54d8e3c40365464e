# question: pca_2d
# expect: full
# why: eigenvectors of the covariance matrix with the same sign rule
def pca_2d(features):
    X = features - features.mean(axis=0)
    _, vectors = np.linalg.eigh(X.T @ X)
    top = vectors[:, [-1, -2]]
    top = top * np.sign(top[np.abs(top).argmax(axis=0), [0, 1]])
    return X @ top
