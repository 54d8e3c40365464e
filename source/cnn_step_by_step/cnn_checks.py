"""Visible checks for the CNN step-by-step assignment / 과제 확인 함수.

Each ``check_<name>(<name>)`` runs your function on a few small examples that
you can verify by hand (the lecture's examples and the canonical
``np.random.seed(1)`` values among them), prints one ✓ line per example that
passes and raises ``AssertionError`` at the first one that does not, saying
what was checked, on which input, what was expected and what came back, with
a hint when the mistake is a known one.  Passing them does not guarantee full
marks: the grader runs many more tests.

Language: ``CNN_CHECKS_LANG`` (``en`` or ``ko``) if set, else ``AUTOGRADER_LANG``
(set by the grader), else
``check_settings.json`` next to this file, else English.
"""
from __future__ import annotations

import importlib.util
import json
import math
import os
import re
import sys
from pathlib import Path

import numpy as np

__all__ = [
    "check_conv_output_shape", "check_conv_param_count", "check_zero_pad",
    "check_conv_single_step", "check_conv_forward", "check_pool_forward",
    "check_conv_backward", "check_create_mask_from_window",
    "check_distribute_value", "check_pool_backward",
]

_HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("_cnn_check_messages", _HERE / "_cnn_check_messages.py")
_messages = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_messages)
MESSAGES = _messages.MESSAGES


def _language() -> str:
    # The report language the grader was asked for (`check --lang`) wins over the release default.
    lang = os.environ.get("CNN_CHECKS_LANG") or os.environ.get("AUTOGRADER_LANG")
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
    if isinstance(x, np.ndarray) and x.ndim > 0:
        text = np.array2string(x + 0.0 if x.dtype.kind == "f" else x, separator=", ", max_line_width=10**6,
                               threshold=50, formatter={"float_kind": lambda v: f"{v:.6g}"})
        return re.sub(r"\s+", " ", text)
    if isinstance(x, (float, np.floating)) or (isinstance(x, np.ndarray) and x.dtype.kind == "f"):
        return f"{float(x) + 0.0:.10g}"   # + 0.0: no "-0"
    return repr(x.item() if isinstance(x, np.generic) else x)


def _desc(**items) -> str:
    """Input description: small arrays by value, larger ones by shape."""
    parts = []
    for name, value in items.items():
        if isinstance(value, np.ndarray):
            text = f"{name}.shape={value.shape}"
            if value.size <= 24:
                text += f" {name}[..]={_fmt(np.squeeze(value))}"
            parts.append(text)
        else:
            parts.append(f"{name}={value!r}")
    return ", ".join(parts)


def _innermost_function(exc) -> str | None:
    tb, name = exc.__traceback__, None
    while tb is not None:
        name, tb = tb.tb_frame.f_code.co_name, tb.tb_next
    return name


def _exception_hints(exc) -> list[str]:
    msg = str(exc)
    if isinstance(exc, TypeError) and ("0-dimensional" in msg or "size-1" in msg or "length-1" in msg):
        return ["float_b"]
    if "setting an array element with a sequence" in msg:
        return ["scalar"]
    if "broadcast" in msg:
        return ["unpad"] if ("(0," in msg or ",0," in msg or ", 0," in msg) else ["window_shape"]
    if isinstance(exc, IndexError):
        return ["index_error"]
    return []


class _Case:
    """One checked example: runs the student's function and reports on it."""

    def __init__(self, func: str, case: str, inputs: str = "", **case_kw):
        self.func, self.case, self.case_kw, self.inputs = func, case, case_kw, inputs

    def name(self) -> str:
        return _t("case." + self.case, **self.case_kw)

    def fail(self, problem: str, hints=(), cause=None, **hint_kw):
        lines = [_t("header", func=self.func, case=self.name())]
        if self.inputs:
            lines.append(_t("input", inputs=self.inputs))
        lines.append(problem)
        for hint in dict.fromkeys(hints):
            lines.append(_t("hint", hint=_t("hint." + hint, **hint_kw)))
        raise AssertionError("\n".join(lines)) from cause

    def call(self, fn, *args, **kwargs):
        inputs = [a for arg in args for a in (arg if isinstance(arg, (tuple, list)) else (arg,))
                  if isinstance(a, np.ndarray)]
        before = [a.copy() for a in inputs]
        try:
            result = fn(*args, **kwargs)
        except NotImplementedError as exc:
            where = _innermost_function(exc) or self.func
            raise AssertionError(_t("not_implemented", func=self.func, where=where)) from None
        except Exception as exc:  # noqa: BLE001 - any mistake becomes a readable message
            self.fail(_t("raised", exc=f"{type(exc).__name__}: {exc}"), _exception_hints(exc), cause=exc)
        if not all(a.shape == b.shape and np.array_equal(a, b, equal_nan=True) for a, b in zip(inputs, before)):
            self.fail(_t("inputs_modified"), ["inplace"])
        return result

    def compare(self, got, expected, wrong=(), what="", rtol=1e-6, atol=1e-8):
        """Compare an array result; ``wrong`` = [(hint, predicate(got_array))] for known mistakes."""
        show = bool if np.asarray(expected).dtype == bool else float
        expected = np.asarray(expected, dtype=float)
        self.not_none(got)
        try:
            arr = np.asarray(got, dtype=float)
        except (TypeError, ValueError):
            self.fail(_t("not_array", what=what, got=type(got).__name__))
        hints = []
        for hint, predicate in wrong:
            try:
                if predicate(arr):
                    hints.append(hint)
            except Exception:  # noqa: BLE001 - a predicate that does not apply is no match
                pass
        if arr.shape != expected.shape:
            self.fail(_t("wrong_shape", what=what, expected=expected.shape, got=arr.shape), hints)
        bad = ~np.isclose(arr, expected, rtol=rtol, atol=atol)
        if bad.any():
            if expected.ndim == 0:
                self.fail(_t("wrong_scalar", what=what, expected=_fmt(expected), got=_fmt(arr)), hints)
            index = tuple(int(i) for i in np.argwhere(bad)[0])
            value = show(arr[index]) if arr[index] in (0, 1) else arr[index]
            self.fail(_t("wrong_value", what=what, index=index, expected=_fmt(show(expected[index])),
                         got=_fmt(value)), hints)

    def not_none(self, got):
        if got is None:
            self.fail(_t("returned_none"), ["return"])

    def expect_shape(self, got, shape, wrong=(), what=""):
        hints = [hint for hint, predicate in wrong if predicate(np.shape(got))]
        if np.shape(got) != tuple(shape):
            self.fail(_t("wrong_shape", what=what, expected=tuple(shape), got=np.shape(got)), hints)

    def results(self, result, names, hints=(), **hint_kw):
        self.not_none(result)
        if not (isinstance(result, (tuple, list)) and len(result) == len(names)):
            self.fail(_t("wrong_type", expected="(" + ", ".join(names) + ")", got=type(result).__name__),
                      hints, **hint_kw)
        return result

    def pair(self, result, first: str):
        return self.results(result, (first, "cache"), ["pair"], first=first)

    def passed(self):
        print(_t("passed", func=self.func, case=self.name()))


def _same(a, b) -> bool:
    return np.shape(a) == np.shape(b) and np.allclose(a, b)


def _done(func: str):
    print(_t("all_passed", func=func))


# ---------------------------------------------------------------- shapes and parameter counts
def check_conv_output_shape(conv_output_shape):
    func = "conv_output_shape"
    cases = [  # (case, input_shape, f, n_filters, pad, stride, expected)
        ("lecture_128", (128, 128, 3), 3, 8, 1, 2, (64, 64, 8)),
        ("non_square", (5, 7, 4), 3, 8, 1, 2, (3, 4, 8)),
        ("floor", (6, 8, 1), 3, 2, 0, 2, (2, 3, 2)),
        ("stride_gt_f", (8, 5, 3), 2, 4, 0, 3, (3, 2, 4)),
    ]
    for key, shape, f, n, pad, stride, expected in cases:
        case = _Case(func, key, _desc(input_shape=shape, f=f, n_filters=n, pad=pad, stride=stride))
        got = case.call(conv_output_shape, shape, f, n, pad, stride)
        case.not_none(got)
        if not (isinstance(got, (tuple, list)) and len(got) == 3):
            case.fail(_t("wrong_type", expected="(n_H, n_W, n_C)", got=repr(got)), ["tuple"])
        if not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in got):
            hints = ["int_division"] + (["round"] if tuple(got) != expected else [])
            case.fail(_t("wrong_type", expected=repr(expected), got=repr(tuple(got))), hints)
        got = tuple(int(v) for v in got)
        if got != expected:
            (h, w, c), hints = shape, []
            mistakes = {
                "round": [lambda n: round((n + 2 * pad - f) / stride) + 1,
                          lambda n: math.ceil((n + 2 * pad - f) / stride) + 1],
                "stride": [lambda n: n + 2 * pad - f + 1],
                "pad_twice": [lambda n: (n + pad - f) // stride + 1, lambda n: (n - f) // stride + 1],
            }
            for hint, formulas in mistakes.items():
                if got[:2] != expected[:2] and any(got[:2] == (g(h), g(w)) for g in formulas):
                    hints.append(hint)
            if got[:2] != expected[:2] and got[:2] == expected[1::-1]:
                hints.append("swap_hw")
            if got[2] == c != n:
                hints.append("n_channels")
            case.fail(_t("wrong_scalar", what="", expected=expected, got=got), hints)
        case.passed()
    _done(func)


def check_conv_param_count(conv_param_count):
    func = "conv_param_count"
    for f, c, n, expected in [(3, 3, 8, 224), (3, 1, 32, 320), (2, 3, 5, 65), (1, 1, 1, 2)]:
        case = _Case(func, "params", f=f, c=c, n=n)
        got = case.call(conv_param_count, f, c, n)
        case.not_none(got)
        if got != expected:
            wrong = {"param_bias": [f * f * c * n, f * f * c * n + 1, f * f * c * (n + 1), (f * f + 1) * c * n],
                     "param_channels": [(f * f + 1) * n, f * f * n],
                     "param_order": [(f * f * n + 1) * c]}
            hints = [h for h, values in wrong.items() if got in values]
            case.fail(_t("wrong_scalar", what="", expected=expected, got=_fmt(got)), hints)
        if not isinstance(got, (int, np.integer)):
            case.fail(_t("wrong_type", expected="int", got=type(got).__name__), ["int"])
        case.passed()
    _done(func)


def check_zero_pad(zero_pad):
    func = "zero_pad"
    for shape, pad in [((2, 3, 4, 2), 1), ((1, 2, 3, 1), 2), ((2, 3, 2, 3), 0)]:
        X = np.arange(1, np.prod(shape) + 1, dtype=float).reshape(shape)  # no zeros inside
        case = _Case(func, "pad", _desc(X=X, pad=pad), pad=pad, shape=shape)
        got = case.call(zero_pad, X.copy(), pad)
        case.not_none(got)
        m, h, w, c = shape
        expected_shape = (m, h + 2 * pad, w + 2 * pad, c)
        if np.shape(got) != expected_shape:
            hints = []
            if len(np.shape(got)) == 4 and (np.shape(got)[0] != m or np.shape(got)[3] != c):
                hints.append("pad_axes")
            if np.shape(got) == (m, h + pad, w + pad, c):
                hints.append("pad_one_side")
            case.fail(_t("wrong_shape", what="", expected=expected_shape, got=np.shape(got)), hints)
        got = np.asarray(got, dtype=float)
        middle = got[:, pad:pad + h, pad:pad + w, :]
        case.compare(middle, X, what="X_pad[:, pad:pad+n_H, pad:pad+n_W, :] ", wrong=[("pad_values", lambda g: True)])
        if not np.isclose(np.abs(got).sum(), np.abs(X).sum()):
            border = np.ones(got.shape, bool)
            border[:, pad:pad + h, pad:pad + w, :] = False
            index = tuple(int(i) for i in np.argwhere(border & (got != 0))[0])
            case.fail(_t("wrong_value", what="", index=index, expected=0.0, got=_fmt(got[index])), ["pad_values"])
        case.passed()
    _done(func)


# ---------------------------------------------------------------- forward
def check_conv_single_step(conv_single_step):
    func = "conv_single_step"
    a = np.stack([[[1.0, 2.0], [3.0, 4.0]], np.ones((2, 2))], axis=-1)     # window, 2 channels
    W = np.stack([[[1.0, 0.0], [0.0, -1.0]], np.full((2, 2), 2.0)], axis=-1)
    b = np.array(0.5).reshape(1, 1, 1)
    rs = np.random.RandomState(1)
    a2, W2, b2 = rs.randn(4, 4, 3), rs.randn(4, 4, 3), rs.randn(1, 1, 1)
    for key, (a_slice, w, bias, expected) in {
        "hand": (a, W, b, (1 - 4) + 8 + 0.5),
        "canonical": (a2, W2, b2, -6.999089450680221),
    }.items():
        case = _Case(func, key, _desc(a_slice_prev=a_slice, W=w, b=bias))
        got = case.call(conv_single_step, a_slice.copy(), w.copy(), bias.copy())
        case.not_none(got)
        if np.ndim(got) != 0:
            case.fail(_t("wrong_shape", what="", expected="()", got=np.shape(got)), ["scalar"])
        bias_value = bias.item()
        case.compare(got, expected, wrong=[
            ("bias_inside", lambda g: np.isclose(g, expected + (a_slice.size - 1) * bias_value)),
            ("bias_missing", lambda g: np.isclose(g, expected - bias_value)),
        ])
        case.passed()
    _done(func)


_KERNEL = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]], dtype=float)
_IMAGE6 = np.array([[1, 0, 0, 0, 0, 1], [0, 1, 0, 0, 1, 0], [0, 0, 1, 1, 0, 0],
                    [1, 0, 0, 0, 1, 0], [0, 1, 0, 0, 1, 0], [0, 0, 1, 0, 1, 0]], dtype=float)
_IMAGE5 = np.array([[1, 1, 1, 1, 1], [2, 2, 2, 2, 2], [0, 0, 0, 0, 1],
                    [1, 0, 1, 1, 0], [2, 1, 2, 1, 2]], dtype=float)
# lecture example with padding 1 (the lecture table has a slip at row 2, column 4: it is 5)
_IMAGE5_PAD1 = np.array([[3, 5, 5, 5, 3], [3, 4, 4, 5, 3], [2, 6, 5, 5, 4],
                         [2, 4, 3, 6, 1], [2, 3, 3, 2, 3]], dtype=float)
_A34 = np.array([[1, 3, 2, 4], [5, 0, 1, 2], [2, 6, 3, 1]], dtype=float)  # pooling examples


def _nhwc(image):
    return image[None, :, :, None]


def check_conv_forward(conv_forward):
    func = "conv_forward"
    no_bias = np.zeros((1, 1, 1, 1))
    K = _KERNEL[:, :, None, None]
    ones, W3 = np.ones((1, 3, 4, 2)), np.zeros((2, 2, 2, 3))
    for c in range(3):
        W3[..., c] = c + 1
    b3 = np.array([100.0, 200.0, 300.0]).reshape(1, 1, 1, 3)
    per_filter = lambda v: np.broadcast_to(np.asarray(v, float), (1, 2, 3, 3))  # noqa: E731
    A_ns = np.arange(12.0).reshape(1, 3, 4, 1)
    K_ns = np.array([[0.0, 1.0], [0.0, 0.0]]).reshape(2, 2, 1, 1)
    rs = np.random.RandomState(1)
    A_c, W_c, b_c = rs.randn(2, 5, 7, 4), rs.randn(3, 3, 4, 8), rs.randn(1, 1, 1, 8)
    cases = [  # (case, A_prev, W, b, hparameters, expected, known mistakes)
        ("lecture_6x6", _nhwc(_IMAGE6), K, no_bias, {"stride": 1, "pad": 0},
         _nhwc(np.array([[3, 1, 1, 3], [1, 2, 3, 0], [1, 2, 2, 2], [3, 0, 3, 1]])), []),
        ("lecture_5x5_s2", _nhwc(_IMAGE5), K, no_bias, {"stride": 2, "pad": 0}, _nhwc(np.array([[4, 5], [4, 6]])),
         [("stride", lambda g: g.shape == (1, 3, 3, 1) or _same(g, _nhwc(_IMAGE5_PAD1[1:3, 1:3])))]),
        ("lecture_5x5_p1", _nhwc(_IMAGE5), K, no_bias, {"stride": 1, "pad": 1}, _nhwc(_IMAGE5_PAD1),
         [("pad_ignored", lambda g: g.shape == (1, 3, 3, 1)), ("pad_axes", lambda g: g.shape == (1, 5, 5, 1) and not g.any())]),
        ("non_square_conv", A_ns, K_ns, no_bias, {"stride": 2, "pad": 1}, _nhwc(np.array([[0, 0, 0], [4, 6, 0]])),
         [("swap_hw", lambda g: g.shape == (1, 3, 2, 1)), ("round", lambda g: g.shape == (1, 3, 3, 1)),
          ("stride", lambda g: g.shape == (1, 4, 5, 1))]),
        ("filters_biases", ones, W3, b3, {"stride": 1, "pad": 0}, per_filter([108, 216, 324]),
         [("bias_inside", lambda g: _same(g, per_filter([808, 1616, 2424]))),
          ("bias_index", lambda g: _same(g, per_filter([108, 116, 124]))),
          ("filter_index", lambda g: _same(g, per_filter([108, 208, 308]))),
          ("bias_missing", lambda g: _same(g, per_filter([8, 16, 24])))]),
    ]
    for key, A_prev, W, b, hp, expected, wrong in cases:
        case = _Case(func, key, _desc(A_prev=A_prev, W=W, b=b, hparameters=hp))
        Z, cache = case.pair(case.call(conv_forward, A_prev.copy(), W.copy(), b.copy(), dict(hp)), "Z")
        swapped = np.transpose(expected, (0, 2, 1, 3))   # h and w exchanged in the loops (square examples)
        case.compare(Z, expected, wrong=wrong + [("swap_hw", lambda g, t=swapped: W.shape[3] == 1 and _same(g, t))])
        case.passed()

    hp = {"pad": 1, "stride": 2}
    case = _Case(func, "canonical", _desc(A_prev=A_c, W=W_c, b=b_c, hparameters=hp))
    Z, cache = case.pair(case.call(conv_forward, A_c.copy(), W_c.copy(), b_c.copy(), hp), "Z")
    known = [-2.17796037, 8.07171329, -0.5772704, 3.36286738, 4.48113645, -2.89198428, 10.99288867, 3.03171932]
    case.expect_shape(Z, (2, 3, 4, 8), what="Z: ",
                      wrong=[("round", lambda g: g == (2, 3, 5, 8)), ("swap_hw", lambda g: g == (2, 4, 3, 8))])
    case.compare(np.mean(Z), 0.5511276474566768, what="Z.mean() ")
    case.compare(np.asarray(Z)[0, 2, 1], known, what="Z[0, 2, 1] ", atol=1e-7)  # 8 decimals, as printed
    case.passed()

    case = _Case(func, "conv_cache")
    if not (isinstance(cache, (tuple, list)) and len(cache) == 4 and all(map(_same, cache[:3], (A_c, W_c, b_c)))
            and cache[3] == hp):
        case.fail(_t("wrong_type", expected="(A_prev, W, b, hparameters)", got=type(cache).__name__),
                  ["cache"], expected="(A_prev, W, b, hparameters)")
    case.passed()
    _done(func)


def check_pool_forward(pool_forward):
    func = "pool_forward"
    MAX = np.array([[5, 3, 4], [6, 6, 3]], dtype=float)             # f = 2, stride 1 on _A34
    AVG = np.array([[9, 6, 9], [13, 10, 7]], dtype=float) / 4
    MIN = np.array([[0, 0, 1], [0, 0, 1]], dtype=float)
    two = np.stack([np.stack([_A34, -_A34], -1), np.stack([_A34 + 10, -_A34], -1)])   # (2, 3, 4, 2)
    rs = np.random.RandomState(1)
    A_c = rs.randn(2, 5, 5, 3)
    canonical = {  # A[1, 1] of the canonical example, computed with the reference and checked against PyTorch
        "max": [[1.96710175, 0.84616065, 1.27375593], [1.96710175, 0.84616065, 1.23616403],
                [1.62765075, 1.12141771, 1.2245077]],
        "average": [[0.44497696, -0.00261695, -0.31040307], [0.50811474, -0.23493734, -0.23961183],
                    [0.11872677, 0.17255229, -0.22112197]]}
    for mode in ("max", "average"):
        main, other = (MAX, AVG) if mode == "max" else (AVG, MAX)
        second = -MIN if mode == "max" else -AVG
        cases = [
            ("pool_overlap", _nhwc(_A34), {"f": 2, "stride": 1}, _nhwc(main),
             [("pool_mode", lambda g, o=other: _same(g, _nhwc(o)))]),
            ("pool_stride2", _nhwc(_A34), {"f": 2, "stride": 2}, _nhwc(main[:1, ::2]),
             [("stride", lambda g: g.shape == (1, 2, 3, 1) or _same(g, _nhwc(main[:1, :2]))),
              ("swap_hw", lambda g: g.shape == (1, 2, 1, 1))]),
            ("pool_stride3", _nhwc(_A34), {"f": 2, "stride": 3}, _nhwc(main[:1, :1]),
             [("round", lambda g: g.shape == (1, 1, 2, 1)), ("stride", lambda g: g.shape == (1, 2, 3, 1))]),
            ("pool_channels", two, {"f": 2, "stride": 1},
             np.stack([np.stack([main, second], -1), np.stack([main + 10, second], -1)]),
             [("pool_channels", lambda g: _same(g[..., 0], g[..., 1])),
              ("max_negative", lambda g: mode == "max" and (g[..., 1] == 0).any())]),
        ]
        for key, A_prev, hp, expected, wrong in cases:
            case = _Case(func, key, _desc(A_prev=A_prev, hparameters=hp), mode=mode)
            A, cache = case.pair(case.call(pool_forward, A_prev.copy(), dict(hp), mode=mode), "A")
            case.compare(A, expected, wrong=wrong)
            case.passed()
        hp = {"stride": 1, "f": 3}
        case = _Case(func, "pool_canonical", _desc(A_prev=A_c, hparameters=hp), mode=mode)
        A, cache = case.pair(case.call(pool_forward, A_c.copy(), hp, mode=mode), "A")
        case.expect_shape(A, (2, 3, 3, 3), what="A: ")
        case.compare(np.asarray(A)[1, 1], canonical[mode], what="A[1, 1] ", atol=1e-7)
        case.passed()
    case = _Case(func, "pool_default", _desc(A_prev=_nhwc(_A34), hparameters={"f": 2, "stride": 1}))
    case.compare(case.pair(case.call(pool_forward, _nhwc(_A34), {"f": 2, "stride": 1}), "A")[0], _nhwc(MAX),
                 wrong=[("default_mode", lambda g: True)])
    case.passed()
    case = _Case(func, "pool_cache")
    if not (isinstance(cache, (tuple, list)) and len(cache) == 2 and _same(cache[0], A_c) and cache[1] == hp):
        case.fail(_t("wrong_type", expected="(A_prev, hparameters)", got=type(cache).__name__),
                  ["cache"], expected="(A_prev, hparameters)")
    case.passed()
    _done(func)


# ---------------------------------------------------------------- backward
def check_conv_backward(conv_backward, conv_forward=None):
    """``conv_forward`` is optional: if omitted it is looked up in the caller's (the notebook's) globals."""
    func = "conv_backward"
    if conv_forward is None:
        conv_forward = sys._getframe(1).f_globals.get("conv_forward")
    A1 = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]).reshape(1, 2, 3, 1)
    W1 = np.array([[1.0, 2.0], [3.0, 4.0]]).reshape(2, 2, 1, 1)
    A2 = (np.arange(24).reshape(1, 3, 4, 2) % 5 - 2).astype(float)
    W2 = (np.arange(36).reshape(3, 3, 2, 2) % 3 - 1).astype(float)
    dZ2 = np.array([[[[1, -1], [2, 0]], [[0, 3], [-2, 1]]]], dtype=float)
    cases = [  # (case, dZ, A_prev, W, b, hparameters, (dA_prev, dW, db), mistakes of `=` instead of `+=`)
        ("bwd_hand", np.array([1.0, 10.0]).reshape(1, 1, 2, 1), A1, W1, np.zeros((1, 1, 1, 1)),
         {"stride": 1, "pad": 0},
         ([[1, 12, 20], [3, 34, 40]], [[21, 32], [54, 65]], 11),
         ([[1, 10, 20], [3, 30, 40]], [[20, 30], [50, 60]], 10)),
        ("bwd_pad_stride", dZ2, A2, W2, np.zeros((1, 1, 1, 2)), {"stride": 2, "pad": 1},
         ([[[-1, -1], [0, 1], [0, -2], [2, 0]], [[2, -1], [-1, 1], [1, 0], [-1, 1]],
           [[3, 0], [-1, 0], [1, 2], [-3, 1]]],
          [[[[4, -2], [2, -1]], [[0, 3], [-2, 7]], [[-4, -4], [4, -5]]],
           [[[-2, 1], [-2, 2]], [[6, -3], [-3, 0]], [[-2, 3], [-1, 6]]],
           [[[-4, 0], [-2, 0]], [[1, -1], [4, -2]], [[2, 2], [-5, 1]]]],
          [1, 3]), None),
    ]
    zero_pad_shape = lambda s, p: (s[0], s[1] + 2 * p, s[2] + 2 * p, s[3])  # noqa: E731
    for key, dZ, A_prev, W, b, hp, expected, assigned in cases:
        case = _Case(func, key, _desc(dZ=dZ, A_prev=A_prev, W=W, b=b, hparameters=hp))
        result = case.results(case.call(conv_backward, dZ.copy(), (A_prev.copy(), W.copy(), b.copy(), dict(hp))),
                              ("dA_prev", "dW", "db"))
        for name, got, want, shape, wrong_value in zip(("dA_prev", "dW", "db"), result, expected,
                                                     (A_prev.shape, W.shape, b.shape), assigned or (None,) * 3):
            want = np.reshape(want, shape)
            wrong = [("unpad", lambda g: 0 in g.shape or (hp["pad"] > 0 and g.shape == zero_pad_shape(shape, hp["pad"]))),
                     ("db", lambda g, n=name: n == "db"),
                     ("bwd_stride_pad", lambda g, n=name: key == "bwd_pad_stride" and n != "db")]
            if wrong_value is not None:
                wrong.append(("plus_equal", lambda g, v=np.reshape(wrong_value, shape): _same(g, v)))
            case.compare(got, want, wrong=wrong, what=f"{name}: ")
        case.passed()

    rs = np.random.RandomState(1)
    A_prev, W, b = rs.randn(10, 4, 4, 3), rs.randn(2, 2, 3, 8), rs.randn(1, 1, 1, 8)
    hp = {"pad": 2, "stride": 2}
    case = _Case(func, "bwd_canonical", _desc(A_prev=A_prev, W=W, b=b, hparameters=hp))
    try:
        Z = np.asarray(conv_forward(A_prev.copy(), W.copy(), b.copy(), dict(hp))[0], dtype=float)
        forward_ok = Z.shape == (10, 4, 4, 8) and np.isclose(Z.mean(), 0.048995203528855794)
    except Exception:  # noqa: BLE001 - no (working) conv_forward: the check is skipped
        forward_ok = False
    if not forward_ok:
        print(_t("skipped", func=func, case=case.name()))
    else:
        result = case.results(case.call(conv_backward, Z, (A_prev, W, b, hp)), ("dA_prev", "dW", "db"))
        for name, got, mean in zip(("dA", "dW", "db"), result,
                                   (1.4524377775388075, 1.7269914583139097, 7.839232564616838)):
            case.compare(np.mean(got), mean, what=f"{name}.mean() ")
        case.passed()
    _done(func)


def check_create_mask_from_window(create_mask_from_window):
    func = "create_mask_from_window"
    for x in ([[1, 3], [4, 2]], [[1, -2, 5], [0, 5.5, 3]], [[-3, -1], [-2, -4]], [[2, 7], [7, 1]]):
        x = np.array(x, dtype=float)
        maxima = x == x.max()
        tie = maxima.sum() > 1
        case = _Case(func, "mask_tie" if tie else "mask", x=_fmt(x))
        got = case.call(create_mask_from_window, x.copy())
        wrong = [("mask_min", lambda g, x=x: _same(g, x == x.min())),
                 ("mask_bool", lambda g: not np.isin(g, (0, 1)).all())]
        if tie and np.shape(got) == x.shape and np.isin(got, (0, 1)).all() and \
                np.asarray(got, bool).any() and not (np.asarray(got, bool) & ~maxima).any():
            expected = got   # marking every maximum or only one of them are both accepted
        else:
            expected = maxima
        case.compare(got, expected, wrong=wrong)
        if not np.isin(got, (0, 1)).all():
            case.fail(_t("wrong_type", expected="bool", got=np.asarray(got).dtype), ["mask_bool"])
        case.passed()
    _done(func)


def check_distribute_value(distribute_value):
    func = "distribute_value"
    for dz, shape, each in [(2.0, (2, 2), 0.5), (np.float64(6.0), (2, 3), 1.0), (-3.5, (1, 1), -3.5),
                            (1.0, (3, 3), 1 / 9)]:
        case = _Case(func, "distribute", dz=float(dz), shape=shape)
        got = case.call(distribute_value, dz, shape)
        n_H, n_W = shape
        mistakes = {"distribute_sum": dz / (n_H + n_W), "distribute_divide": dz, "true_division": dz // (n_H * n_W)}
        case.compare(got, np.full(shape, each), wrong=[
            (hint, lambda g, v=v: not np.isclose(v, each) and np.allclose(g, v)) for hint, v in mistakes.items()
        ] + [("swap_hw", lambda g: g.shape == shape[::-1] != shape)])
        case.passed()
    _done(func)


def check_pool_backward(pool_backward):
    func = "pool_backward"
    dA = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    A33 = _A34[:, :3]
    two = np.stack([np.stack([_A34, np.rot90(_A34, 2)], -1), np.stack([_A34 + 10, np.rot90(_A34, 2) + 10], -1)])
    two_dA = np.stack([np.stack([dA, np.rot90(dA, 2)], -1), np.stack([2 * dA, 2 * np.rot90(dA, 2)], -1)])
    expected = {  # by hand: max sends dA to the argmax of each window, average dA / 4 to all four cells
        "max": ([[0, 0, 0, -2], [7, 0, 0, 0]], [[0, 2, 0, 3], [1, 0, 0, 0], [0, 9, 6, 0]],
                np.array([[0, 0, 0], [0, 0, 0], [0, 9, 0]])),
        "average": (np.array([[7, 7, -2, -2], [7, 7, -2, -2]]) / 4,
                    np.array([[1, 3, 5, 3], [5, 12, 16, 9], [4, 9, 11, 6]]) / 4, np.ones((3, 3)))}
    no_stride = {"max": [[0, -2, 0, 0], [7, 0, 0, 0]], "average": [[1.75, 1.25, -0.5, 0]] * 2}  # windows at w, not 2w
    for mode in ("max", "average"):
        stride2, overlap, window3 = (np.asarray(e, dtype=float) for e in expected[mode])
        other = [np.asarray(e, dtype=float) for e in expected["average" if mode == "max" else "max"]]
        rot = np.rot90(overlap, 2)
        cases = [  # (case, A_prev, dA, hparameters, expected, known mistakes)
            ("pbwd_stride2", _nhwc(_A34[:2]), np.array([7.0, -2.0]).reshape(1, 1, 2, 1), {"f": 2, "stride": 2},
             _nhwc(stride2), [("pool_mode", lambda g: _same(g, _nhwc(other[0]))),
                              ("mask_times_dA", lambda g: mode == "max" and _same(g, _nhwc(stride2 != 0))),
                              ("stride", lambda g: _same(g, _nhwc(np.array(no_stride[mode]))))]),
            ("pbwd_overlap", _nhwc(_A34), _nhwc(dA), {"f": 2, "stride": 1}, _nhwc(overlap),
             [("plus_equal", lambda g: True), ("pool_mode", lambda g: _same(g, _nhwc(other[1])))]),
            ("pbwd_3x3", _nhwc(A33), np.full((1, 1, 1, 1), 9.0), {"f": 3, "stride": 1}, _nhwc(window3),
             [("distribute_sum", lambda g: mode == "average" and _same(g, _nhwc(np.full((3, 3), 1.5)))),
              ("helpers", lambda g: True)]),
            ("pbwd_channels", two, two_dA, {"f": 2, "stride": 1},
             np.stack([np.stack([overlap, rot], -1), np.stack([2 * overlap, 2 * rot], -1)]),
             [("pool_channels", lambda g: True)]),
        ]
        for key, A_prev, dA_, hp, want, wrong in cases:
            case = _Case(func, key, _desc(dA=dA_, A_prev=A_prev, hparameters=hp), mode=mode)
            got = case.call(pool_backward, dA_.copy(), (A_prev.copy(), dict(hp)), mode=mode)
            case.compare(got, want, wrong=wrong, what="dA_prev: ")
            case.passed()
    case = _Case(func, "pool_default", _desc(dA=_nhwc(dA), A_prev=_nhwc(_A34), hparameters={"f": 2, "stride": 1}))
    got = case.call(pool_backward, _nhwc(dA), (_nhwc(_A34), {"f": 2, "stride": 1}))
    case.compare(got, _nhwc(np.array(expected["max"][1], dtype=float)), wrong=[("default_mode", lambda g: True)])
    case.passed()
    _done(func)
