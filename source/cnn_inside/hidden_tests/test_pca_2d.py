"""Hidden tests: pca_2d(features) -> (N, 2) embedding.

Compared with the reference and with an independent computation (eigenvectors
of the covariance matrix, same sign convention).  Known mistakes (hinted): no
centring, the sign convention missing or reversed (only signs differ), the
columns of Vt used instead of its rows, U[:, :2] (scaled differently), the
last components instead of the first.
"""
import numpy as np
import pytest
import torch

import _inside_cases as C
from autograder.checks import Hint, expect_close, expect_shape

FUNC = "pca_2d"
title = C.titler(FUNC)
WHAT = ("the embedding returned by pca_2d", "pca_2d가 반환한 임베딩")


def independent(features):
    X = features - features.mean(axis=0)
    values, vectors = np.linalg.eigh(X.T @ X)
    directions = vectors[:, ::-1][:, :2].T
    directions *= np.sign(directions[np.arange(2), np.abs(directions).argmax(axis=1)])[:, None]
    return X @ directions.T


def hints(features, expected):
    X = features - features.mean(axis=0)
    U, S, Vt = np.linalg.svd(X, full_matrices=False)
    raw = features @ Vt[:2].T
    return [Hint(lambda g: type(g) is np.ndarray and g.shape == expected.shape and
                 np.allclose(np.abs(g), np.abs(expected), rtol=1e-4, atol=1e-6),
                 "Only signs differ: flip each direction (row of Vt) so that its entry of largest absolute value is "
                 "positive.", "부호만 다릅니다. 각 방향(Vt의 행)에서 절댓값이 가장 큰 원소가 양수가 되도록 뒤집으세요."),
            Hint(lambda g: type(g) is np.ndarray and g.shape == expected.shape and
                 np.allclose(np.abs(g), np.abs(raw), rtol=1e-4, atol=1e-6),
                 "Centre the features first: X = features - features.mean(axis=0).",
                 "먼저 특성을 중심화하세요: X = features - features.mean(axis=0)."),
            Hint(lambda g: type(g) is np.ndarray and g.shape == expected.shape and
                 np.allclose(np.abs(g), np.abs(U[:, :2]), rtol=1e-4, atol=1e-6),
                 "U[:, :2] is the embedding divided by the singular values: project X on the directions, X @ Vt[:2].T.",
                 "U[:, :2]는 임베딩을 특이값으로 나눈 것입니다. X를 방향에 투영하세요: X @ Vt[:2].T."),
            Hint(lambda g: type(g) is np.ndarray and g.shape == expected.shape and
                 np.allclose(np.abs(g), np.abs(X @ Vt[:, :2]), rtol=1e-4, atol=1e-6) and X.shape[1] > 2,
                 "The principal directions are the rows of Vt (Vt[:2]), not its columns.",
                 "주성분 방향은 Vt의 열이 아니라 행(Vt[:2])입니다.")]


def _check(student, ref, tol, features):
    inputs = {"features": features}
    expected = ref.pca_2d(features)
    h = hints(features, expected)
    got = student(features)
    expect_shape(got, (features.shape[0], 2), what=WHAT, inputs=inputs, hints=h)
    expect_close(got, expected, what=WHAT, inputs=inputs, tol=tol, hints=h)
    expect_close(got, independent(features), what=(WHAT[0] + " (compared with the covariance's eigenvectors)",
                 WHAT[1] + " (공분산 고유벡터와 비교)"), inputs=inputs, tol=tol, hints=h)


@title("random anisotropic points (salted)", "무작위 비등방 점")
@pytest.mark.weight(2)
def test_random(student, ref, tol, rng):
    _check(student, ref, tol, C.randn(rng, (30, 6)) * [5.0, 3.0, 2.0, 1.0, 0.5, 0.2] + rng.normal(0, 10, 6))


@title("points far from the origin (centring)", "원점에서 먼 점 (중심화)")
def test_offset(student, ref, tol, rng):
    _check(student, ref, tol, C.randn(rng, (20, 4)) * [4.0, 2.0, 1.0, 0.5] + 100.0)


@title("penultimate features of the pretrained network", "사전 훈련된 신경망의 끝에서 두 번째 층 특성")
@pytest.mark.weight(2)
def test_digit_features(student, ref, tol, rng):
    with torch.no_grad():
        features = C.build({"digit": 0}).features(torch.from_numpy(C.digits(60, int(rng.integers(0, 120)))))
    _check(student, ref, tol, features.numpy().astype(np.float64))
