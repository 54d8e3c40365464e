"""cnn_inside: the reference solutions against PyTorch, and the visible checks against the reference.

The hidden suites compare every student function with the reference *and* with
PyTorch; here the reference itself is held to PyTorch (and to plain
computations) on inputs the suites do not use, so that a slip in the source
notebook cannot make both agree on a wrong answer.  The visible checks ship
stored expected values: they must equal what the reference computes now, pass
on the reference, and recognise the typical mistakes.
"""
from __future__ import annotations

import importlib.util
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from conftest import ROOT
from autograder.engine.reference import load_reference

SOURCE = ROOT / "source" / "cnn_inside"
RNG = np.random.default_rng(20)


@pytest.fixture(scope="module")
def ref():
    return load_reference(SOURCE / "cnn_inside.ipynb")


@pytest.fixture(scope="module")
def checks():
    sys.path.insert(0, str(SOURCE))
    try:
        spec = importlib.util.spec_from_file_location("inside_checks", SOURCE / "inside_checks.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.path.remove(str(SOURCE))


def t(x):
    return torch.from_numpy(np.ascontiguousarray(x))


def nhwc(x):
    return x.permute(0, 2, 3, 1).numpy()


def test_activation_gradients_match_autograd(ref):
    Z, dA = RNG.standard_normal((3, 4, 5)), RNG.standard_normal((3, 4, 5))
    for fn, torch_fn in ((lambda: ref.relu_backward(dA, Z), F.relu),
                         (lambda: ref.leaky_relu_backward(dA, Z, 0.3), lambda z: F.leaky_relu(z, 0.3))):
        z = t(Z).clone().requires_grad_(True)
        (torch_fn(z) * t(dA)).sum().backward()
        np.testing.assert_allclose(fn(), z.grad.numpy(), rtol=1e-12)
    assert ref.relu_backward(dA.astype(np.float32), Z).dtype == np.float32


def test_convolutions_match_torch(ref):
    A = RNG.standard_normal((2, 7, 6, 3))
    W, b = RNG.standard_normal((3, 3, 3)), RNG.standard_normal((1, 1, 1, 3))
    Wp, bp = RNG.standard_normal((1, 1, 3, 5)), RNG.standard_normal((1, 1, 1, 5))
    hp = {"stride": 2, "pad": 1}
    dw = F.conv2d(t(A).permute(0, 3, 1, 2), t(W).permute(2, 0, 1)[:, None], t(b).reshape(-1), stride=2, padding=1,
                  groups=3)
    pw = F.conv2d(dw, t(Wp).permute(3, 2, 0, 1), t(bp).reshape(-1))
    Z, cache = ref.depthwise_conv_forward(A, W, b, hp)
    np.testing.assert_allclose(Z, nhwc(dw), rtol=1e-10, atol=1e-12)
    assert cache[0] is A and cache[3] == hp
    np.testing.assert_allclose(ref.pointwise_conv(Z, Wp, bp), nhwc(pw), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ref.separable_conv_forward(A, W, b, Wp, bp, hp), nhwc(pw), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ref.global_avg_pool(A), F.adaptive_avg_pool2d(t(A).permute(0, 3, 1, 2), 1).flatten(1),
                               rtol=1e-12)


@pytest.mark.parametrize("f, c, n", [(3, 3, 8), (3, 256, 256), (5, 16, 32), (1, 7, 3)])
def test_parameter_counts_match_torch_layers(ref, f, c, n):
    count = lambda *layers: sum(p.numel() for layer in layers for p in layer.parameters())  # noqa: E731
    expected = (count(torch.nn.Conv2d(c, n, f)),
                count(torch.nn.Conv2d(c, c, f, groups=c), torch.nn.Conv2d(c, n, 1)))
    assert ref.conv_param_counts(f, c, n) == expected
    assert ref.conv_param_counts(3, 3, 8) == (224, 62)                     # the notebook's lecture numbers


def test_head_matches_torch(ref):
    A, W, b, dZ = (RNG.standard_normal(s) for s in ((4, 6), (6, 3), (1, 3), (4, 3)))
    a, w, bb = (t(v).clone().requires_grad_(True) for v in (A, W, b))
    out = F.linear(a, w.T, bb.reshape(-1))
    (out * t(dZ)).sum().backward()
    Z, cache = ref.fc_forward(A, W, b)
    np.testing.assert_allclose(Z, out.detach().numpy(), rtol=1e-12)
    for mine, theirs in zip(ref.fc_backward(dZ, cache), (a.grad, w.grad, bb.grad)):
        np.testing.assert_allclose(mine, theirs.numpy(), rtol=1e-12)
    logits = np.array([[1000.0, 0.0, -1000.0], [2.0, 1.0, 0.1], [-5.0, 3.0, 800.0]])
    labels = np.array([2, 0, 1])
    z = t(logits).clone().requires_grad_(True)
    loss = F.cross_entropy(z, t(labels))
    loss.backward()
    mine, dmine = ref.softmax_cross_entropy(logits, labels)
    assert type(mine) is float and np.isfinite(mine)
    np.testing.assert_allclose(mine, loss.item(), rtol=1e-12)
    np.testing.assert_allclose(dmine, z.grad.numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(ref.softmax(logits), torch.softmax(t(logits), 1).numpy(), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(ref.softmax(np.array([[2.0, 1.0, 0.1]])), [[0.659, 0.242, 0.099]], atol=1e-3)


def test_dropout_preserves_expectation_and_does_nothing_in_eval(ref):
    A = np.ones((300, 300))
    out, mask = ref.dropout_forward(A, 0.7, True, 5)
    assert abs(out.mean() - 1) < 0.02 and abs(mask.mean() - 0.7) < 0.02
    assert set(np.unique(out)) == {0.0, 1 / 0.7}
    again, _ = ref.dropout_forward(A, 0.7, True, 5)
    assert np.array_equal(out, again)                                      # the seed decides the mask
    out, mask = ref.dropout_forward(A, 0.7, False, 5)
    assert np.array_equal(out, A) and out is not A and mask.all()


def test_network_functions_match_plain_torch(ref, checks):   # checks: tl_model importable
    sys.path.insert(0, str(SOURCE))
    try:
        spec = importlib.util.spec_from_file_location("inside_harness_t", SOURCE / "inside_harness.py")
        harness = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(harness)
    finally:
        sys.path.remove(str(SOURCE))
    model = harness.build_model({"digit": 0})
    x = torch.rand(5, 1, 12, 12)
    acts = ref.collect_activations(model, ["features", "classifier", "features.0.1"], x)
    with torch.no_grad():
        np.testing.assert_allclose(acts["features"], model.features(x), rtol=1e-6)
        np.testing.assert_allclose(acts["classifier"], model(x), rtol=1e-6)
        np.testing.assert_allclose(acts["features.0.1"], torch.relu(model.features[0][0](x)), rtol=1e-6)
    assert sum(len(m._forward_hooks) for m in model.modules()) == 0
    act = acts["features.0.1"].numpy()
    sparsity, dead = ref.activation_stats(acts["features.0.1"])
    assert sparsity == pytest.approx((act == 0).mean()) and dead == pytest.approx(1 - (act > 0).any(axis=(0, 2, 3)).mean())
    scaled = ref.normalize_filters(model.features[0][0].weight)
    assert np.allclose(scaled.min(axis=(1, 2, 3)), 0) and np.allclose(scaled.max(axis=(1, 2, 3)), 1)


@pytest.mark.parametrize("layers", [[(3, 1), (2, 2)] * 2, [(5, 2), (3, 3), (2, 1)], [(7, 1)]])
def test_receptive_field_matches_the_gradient_of_one_unit(ref, layers):
    size, jump = ref.receptive_field(layers)
    net = torch.nn.Sequential(*[torch.nn.Conv2d(1, 1, k, stride=s) for k, s in layers])
    with torch.no_grad():
        for conv in net:
            conv.weight.fill_(1.0)
    x = torch.ones(1, 1, 40, 40)
    grad = ref.unit_input_gradient(net, x, 0, 1, 1)
    assert not x.requires_grad
    rows = np.flatnonzero(grad[0].sum(axis=1))
    assert (rows[0], rows[-1] - rows[0] + 1) == (jump, size)


def test_embedding_functions(ref):
    X = RNG.standard_normal((25, 5)) * [4, 2, 1, 0.5, 0.1] + 7
    emb = ref.pca_2d(X)
    values, vectors = np.linalg.eigh(np.cov(X.T))
    top = vectors[:, [-1, -2]]
    top *= np.sign(top[np.abs(top).argmax(axis=0), [0, 1]])
    np.testing.assert_allclose(emb, (X - X.mean(0)) @ top, rtol=1e-8, atol=1e-10)
    labels = RNG.integers(0, 3, 25)
    nearest = [min((j for j in range(25) if j != i), key=lambda j: np.sum((emb[i] - emb[j]) ** 2)) for i in range(25)]
    assert ref.nn_accuracy(emb, labels) == pytest.approx(np.mean(labels[nearest] == labels))
    grid = ref.tile_filters(np.ones((5, 2, 3)), 2)
    assert grid.shape == (10, 9) and np.isnan(grid).sum() == grid.size - 30


def test_visible_check_values_are_up_to_date(ref, checks):
    sys.path.insert(0, str(SOURCE / "hidden_tests"))
    try:
        import make_check_expected
    finally:
        sys.path.remove(str(SOURCE / "hidden_tests"))
    fresh = make_check_expected.render(make_check_expected.expected_values(ref, checks))
    stored = (SOURCE / "_inside_expected.py").read_text(encoding="utf-8")
    # Same cases, kinds, dtypes and shapes; numbers equal up to float32 rounding: torch's float32 reductions
    # may sum in another order with another thread count, which changes the last bits, not the values.
    _assert_same_values(_expected_of(fresh), _expected_of(stored),
                        "run python source/cnn_inside/hidden_tests/make_check_expected.py and release again")


def _expected_of(text: str) -> dict:
    namespace: dict = {}
    exec(compile(text, "_inside_expected.py", "exec"), namespace)
    return namespace["EXPECTED"]


def _assert_same_values(fresh, stored, hint: str, where: str = "EXPECTED") -> None:
    assert type(fresh) is type(stored), f"{where}: {type(fresh).__name__} != {type(stored).__name__}; {hint}"
    if isinstance(fresh, dict):
        assert list(fresh) == list(stored), f"{where}: keys differ; {hint}"
        for key in fresh:
            _assert_same_values(fresh[key], stored[key], hint, f"{where}[{key!r}]")
    elif isinstance(fresh, (list, tuple)):
        assert len(fresh) == len(stored), f"{where}: lengths differ; {hint}"
        for i, (a, b) in enumerate(zip(fresh, stored)):
            _assert_same_values(a, b, hint, f"{where}[{i}]")
    elif isinstance(fresh, np.ndarray):
        assert fresh.dtype == stored.dtype and fresh.shape == stored.shape, f"{where}: dtype/shape differ; {hint}"
        assert np.allclose(fresh, stored, rtol=1e-5, atol=1e-6, equal_nan=True), f"{where}: values differ; {hint}"
    elif isinstance(fresh, float):
        assert np.isclose(fresh, stored, rtol=1e-5, atol=1e-6, equal_nan=True), f"{where}: {fresh} != {stored}; {hint}"
    else:
        assert fresh == stored, f"{where}: {fresh!r} != {stored!r}; {hint}"


def test_visible_checks_pass_on_the_reference(ref, checks, capsys, monkeypatch):
    monkeypatch.setenv("INSIDE_CHECKS_LANG", "en")
    for name in checks.FUNCTIONS:
        getattr(checks, f"check_{name}")(getattr(ref, name))
    assert capsys.readouterr().out.count("All visible checks") == len(checks.FUNCTIONS)


@pytest.mark.parametrize("name, wrong, fragment", [
    ("relu_backward", lambda dA, Z: (Z > 0) * 1.0, "multiply it by the upstream gradient"),
    ("softmax", lambda Z: np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True), "subtract each row's maximum"),
    ("fc_backward", lambda dZ, c: (dZ @ c[1].T, c[0].T @ dZ, dZ.sum(axis=0)), "keepdims=True"),
    ("nn_accuracy", lambda e, y: 1.0, "its own nearest neighbour"),
    ("receptive_field", lambda layers: (sum(k for k, _ in layers) - len(layers) + 1,
                                        int(np.prod([s for _, s in layers]))), "(k - 1) * jump"),
])
def test_visible_checks_recognise_typical_mistakes(checks, monkeypatch, name, wrong, fragment):
    monkeypatch.setenv("INSIDE_CHECKS_LANG", "en")
    with pytest.warns(RuntimeWarning) if name == "softmax" else _nothing():
        with pytest.raises(AssertionError) as info:
            getattr(checks, f"check_{name}")(wrong)
    assert fragment in str(info.value) and "✗" in str(info.value)


def test_visible_checks_say_not_implemented_and_follow_the_language(checks, monkeypatch):
    def stub(*args):
        raise NotImplementedError()
    monkeypatch.setenv("INSIDE_CHECKS_LANG", "ko")
    with pytest.raises(AssertionError, match="아직 구현되지 않았습니다"):
        checks.check_pca_2d(stub)
    monkeypatch.setenv("INSIDE_CHECKS_LANG", "en")
    with pytest.raises(AssertionError, match="not implemented yet"):
        checks.check_pca_2d(stub)


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
