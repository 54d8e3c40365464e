"""Visible checks for the "inside a CNN" assignment / 과제 확인 함수.

Each ``check_<name>(<name>)`` runs your function on a few small examples (the
lecture's among them), prints one ✓ line per example that passes and raises
``AssertionError`` at the first one that does not, saying what was checked,
what was expected and what came back, with a hint when the mistake is a known
one.  The expected values were computed once with a correct solution and are
stored in ``_inside_expected.py``.  Passing these checks does not guarantee
full marks: the grader runs many more tests, on other inputs.

Language: ``INSIDE_CHECKS_LANG`` (``en`` or ``ko``) if set, else
``AUTOGRADER_LANG`` (set by the grader), else ``check_settings.json`` next to
this file, else English.
"""
from __future__ import annotations

import importlib.util
import json
import os
import re
from pathlib import Path

import numpy as np

_HERE = Path(__file__).resolve().parent


def _private(name: str):
    spec = importlib.util.spec_from_file_location(name, _HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MESSAGES = _private("_inside_check_messages").MESSAGES
try:
    EXPECTED = _private("_inside_expected").EXPECTED
except FileNotFoundError:    # only while hidden_tests/make_check_expected.py writes it for the first time
    EXPECTED = {}

FUNCTIONS = [
    "relu_backward", "leaky_relu_backward", "global_avg_pool", "depthwise_conv_forward", "pointwise_conv",
    "separable_conv_forward", "conv_param_counts", "fc_forward", "fc_backward", "softmax",
    "softmax_cross_entropy", "dropout_forward", "collect_activations", "activation_stats",
    "normalize_filters", "tile_filters", "receptive_field", "unit_input_gradient", "pca_2d", "nn_accuracy",
]
__all__ = [f"check_{name}" for name in FUNCTIONS]

LECTURE_Z = np.array([[9., 3, 5, -8], [-6, 2, -3, 1], [1, 3, 4, 1], [3, -4, 5, 1]])


def _language() -> str:
    # The report language the grader was asked for (`check --lang`) wins over the release default.
    lang = os.environ.get("INSIDE_CHECKS_LANG") or os.environ.get("AUTOGRADER_LANG")
    if not lang:
        try:
            lang = json.loads((_HERE / "check_settings.json").read_text(encoding="utf-8")).get("language")
        except (OSError, ValueError, AttributeError):
            lang = None
    lang = str(lang or "en").strip().lower()
    return lang if lang in MESSAGES else "en"


def _t(key: str, **kw) -> str:
    template = MESSAGES[_language()].get(key) or MESSAGES["en"][key]
    return template.format(**kw)


def _fmt(x) -> str:
    if isinstance(x, np.ndarray):
        text = np.array2string(x, separator=", ", threshold=30, max_line_width=10**6,
                               formatter={"float_kind": lambda v: f"{v:.6g}"})
        return re.sub(r"\s+", " ", text)
    if isinstance(x, (float, np.floating)):
        return f"{float(x):.8g}"
    return repr(x)


# ------------------------------------------------------------------------------ the examples
def _rng(seed):
    return np.random.default_rng(seed)


def _model():
    from tl_model import load_pretrained
    return load_pretrained().eval()


def _images(n):
    import torch
    from tl_data import load_source
    return torch.from_numpy(load_source("test")[0][:n])


def _smooth_net():
    """Two conv(3, pad 1) + avg-pool(2) blocks with all weights 1: a gradient without holes."""
    import torch
    from torch import nn
    net = nn.Sequential(nn.Conv2d(1, 1, 3, padding=1), nn.AvgPool2d(2), nn.Conv2d(1, 1, 3, padding=1), nn.AvgPool2d(2))
    with torch.no_grad():
        for conv in (net[0], net[2]):
            conv.weight.fill_(1.0)
            conv.bias.zero_()
    return net


def cases(name: str):
    """The examples of one check: [(case key, args)], built afresh at every call."""
    r = _rng
    if name == "relu_backward":
        return [("lecture", (np.arange(1.0, 17.0).reshape(4, 4), LECTURE_Z.copy())),
                ("batch_f32", (r(1).standard_normal((2, 3, 4, 5)).astype(np.float32),
                               r(2).standard_normal((2, 3, 4, 5)).astype(np.float32)))]
    if name == "leaky_relu_backward":
        return [("lecture_alpha", (np.arange(1.0, 17.0).reshape(4, 4), LECTURE_Z.copy(), 0.1)),
                ("default_alpha", (r(3).standard_normal((2, 3, 4)), r(4).standard_normal((2, 3, 4))))]
    if name == "global_avg_pool":
        return [("gap_small", (np.arange(24.0).reshape(2, 2, 3, 2),)),
                ("gap_random", (r(5).standard_normal((4, 7, 5, 3)),))]
    if name == "depthwise_conv_forward":
        return [("dw_s1p1", (r(6).standard_normal((2, 4, 4, 3)), r(7).standard_normal((3, 3, 3)),
                             r(8).standard_normal((1, 1, 1, 3)), {"stride": 1, "pad": 1})),
                ("dw_s2p0", (r(9).standard_normal((1, 5, 7, 2)), r(10).standard_normal((3, 3, 2)),
                             r(11).standard_normal((1, 1, 1, 2)), {"stride": 2, "pad": 0}))]
    if name == "pointwise_conv":
        return [("pw", (r(12).standard_normal((2, 3, 4, 3)), r(13).standard_normal((1, 1, 3, 5)),
                        r(14).standard_normal((1, 1, 1, 5))))]
    if name == "separable_conv_forward":
        return [("sep", (r(15).standard_normal((2, 5, 4, 3)), r(16).standard_normal((3, 3, 3)),
                         r(17).standard_normal((1, 1, 1, 3)), r(18).standard_normal((1, 1, 3, 4)),
                         r(19).standard_normal((1, 1, 1, 4)), {"stride": 1, "pad": 1}))]
    if name == "conv_param_counts":
        return [("lecture_counts", (3, 3, 8)), ("counts_256", (3, 256, 256)), ("counts_5", (5, 16, 32))]
    if name == "fc_forward":
        return [("fc", (r(20).standard_normal((3, 4)), r(21).standard_normal((4, 2)), r(22).standard_normal((1, 2))))]
    if name == "fc_backward":
        A, W, b = r(23).standard_normal((3, 4)), r(24).standard_normal((4, 2)), r(25).standard_normal((1, 2))
        return [("fc_bwd", (r(26).standard_normal((3, 2)), (A, W, b)))]
    if name == "softmax":
        return [("lecture_softmax", (np.array([[2.0, 1.0, 0.1]]),)),
                ("large_logits", (np.array([[1000.0, 0.0, -1000.0], [1.0, 2.0, 3.0]]),))]
    if name == "softmax_cross_entropy":
        return [("lecture_ce", (np.array([[2.0, 1.0, 0.1]]), np.array([0]))),
                ("batch_ce", (r(27).standard_normal((4, 5)), np.array([1, 0, 4, 2]))),
                ("large_ce", (np.array([[1000.0, 0.0, -1000.0]]), np.array([2])))]
    if name == "dropout_forward":
        A = r(28).standard_normal((4, 5))
        return [("dropout_train", (A, 0.8, True, 3)), ("dropout_eval", (A.copy(), 0.8, False, 3))]
    if name == "collect_activations":
        return [("hooks", (_model(), ["features.0.1", "features.1.1", "features"], _images(8)))]
    if name == "activation_stats":
        import torch
        small = torch.zeros(2, 3, 2, 2)
        small[0, 0, 0, 0], small[1, 2, 1, 1] = 1.5, 0.25
        with torch.no_grad():
            acts = _model().features[:2](_images(180))
        return [("stats_small", (small,)), ("stats_digits", (acts,))]
    if name == "normalize_filters":
        import torch
        w = torch.tensor([[[[1.0, 3.0], [5.0, 9.0]]], [[[-2.0, -2.0], [-2.0, -2.0]]], [[[0.5, -0.5], [0.0, 0.25]]]])
        return [("norm_small", (w,)), ("norm_digits", (_model().features[0][0].weight.detach().clone(),))]
    if name == "tile_filters":
        return [("tile_small", (np.arange(12.0).reshape(3, 2, 2), 2)),
                ("tile_rect", (np.arange(30.0).reshape(5, 2, 3), 4))]
    if name == "receptive_field":
        return [("rf_one_block", ([(3, 1), (2, 2)],)), ("rf_two_blocks", ([(3, 1), (2, 2), (3, 1), (2, 2)],)),
                ("rf_convs", ([(5, 1), (3, 2), (3, 1)],))]
    if name == "unit_input_gradient":
        import torch
        return [("grad_smooth", (_smooth_net(), torch.ones(1, 1, 16, 16), 0, 1, 1)),
                ("grad_digits", (_model().features[:2], _images(1), 51, 1, 2))]
    if name == "pca_2d":
        return [("pca_small", (np.array([[2.0, 0.0, 1.0], [0.0, 1.0, 0.0], [4.0, 1.0, 2.0], [6.0, 3.0, 2.0],
                                         [1.0, 0.0, 0.0]]),)),
                ("pca_random", (r(29).standard_normal((12, 4)) * [3.0, 2.0, 1.0, 0.5],))]
    if name == "nn_accuracy":
        emb = np.array([[0.0, 0.0], [0.1, 0.0], [1.0, 1.0], [1.1, 1.0], [0.0, 1.0], [0.5, 0.5]])
        return [("nn_small", (emb, np.array([0, 0, 1, 1, 0, 1]))),
                ("nn_random", (r(30).standard_normal((20, 2)), r(31).integers(0, 3, 20)))]
    raise KeyError(name)


def summarise(name: str, value):
    """What is compared: the value itself, or for big tensors a few numbers (plain data)."""
    if name == "collect_activations":
        if not isinstance(value, dict):
            return value
        return {k: _tensor_summary(v) for k, v in value.items()}
    if name in ("activation_stats", "normalize_filters", "unit_input_gradient"):
        return _to_numpy(value)
    return value


def _to_numpy(value):
    if type(value).__module__.startswith("torch") and hasattr(value, "detach"):
        return value.detach().cpu().numpy()
    if isinstance(value, (tuple, list)):
        return type(value)(_to_numpy(v) for v in value)
    return value


def _tensor_summary(t):
    arr = _to_numpy(t)
    if not isinstance(arr, np.ndarray):
        return arr
    arr = arr.astype(np.float64)
    return {"shape": list(arr.shape), "sum": float(arr.sum()), "abs_sum": float(np.abs(arr).sum())}


run_check = _private("_inside_check_run").run_check   # the checking loop and the known mistakes


def _make(name):
    def check(function):
        run_check(name, function, cases(name), EXPECTED[name], summarise, _t, _fmt)
    check.__name__ = f"check_{name}"
    check.__doc__ = f"Run the visible checks of {name} / {name} 확인."
    return check


for _name in FUNCTIONS:
    globals()[f"check_{_name}"] = _make(_name)
