"""The checking loop of inside_checks.py and the mistakes it recognises / 확인 루프와 흔한 실수.

Shipped with the assignment; used by inside_checks.py.  Each entry of
``MISTAKES`` computes, from the example's inputs, what a known wrong
implementation returns; when your value equals it, the check adds that hint.
"""
from __future__ import annotations

import numpy as np


class _Failed(Exception):
    pass


def _is_tensor(x) -> bool:
    return type(x).__module__.startswith("torch") and hasattr(x, "detach")


def _copy(x):
    if isinstance(x, np.ndarray):
        return x.copy()
    if _is_tensor(x):
        return x.detach().clone()
    if isinstance(x, (list, tuple)):
        return type(x)(_copy(v) for v in x)
    if isinstance(x, dict):
        return {k: _copy(v) for k, v in x.items()}
    return x


def _same_input(a, b) -> bool:
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.shape == b.shape and np.array_equal(a, b, equal_nan=True)
    if _is_tensor(a):
        return _is_tensor(b) and a.shape == b.shape and bool((a == b).all()) and a.requires_grad == b.requires_grad
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same_input(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a == b
    return True


def _close(got, want) -> bool:
    """Does ``got`` (any student value, already summarised) equal ``want`` (plain data)?"""
    if isinstance(want, dict):
        return isinstance(got, dict) and set(got) == set(want) and all(_close(got[k], want[k]) for k in want)
    if isinstance(want, (list, tuple)) and not isinstance(want, np.ndarray):
        return isinstance(got, (list, tuple)) and len(got) == len(want) and all(map(_close, got, want))
    if isinstance(want, bool):
        return got is want or (isinstance(got, np.bool_) and bool(got) == want)
    if isinstance(want, (int, float)):
        if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, float, np.integer, np.floating)):
            return False
        return bool(np.isclose(float(got), float(want), rtol=1e-5, atol=1e-7)) if isinstance(want, float) \
            else float(got) == want
    if isinstance(want, np.ndarray):
        if not isinstance(got, np.ndarray) or got.shape != want.shape:
            return False
        if want.dtype == bool:
            return got.dtype == bool and np.array_equal(got, want)
        if got.dtype.kind not in "biuf":
            return False
        rtol, atol = (1e-4, 1e-5) if np.float32 in (got.dtype, want.dtype) else (1e-6, 1e-8)
        return bool(np.allclose(got.astype(np.float64), want, rtol=rtol, atol=atol, equal_nan=True))
    return got == want


def _describe(value, fmt) -> str:
    if isinstance(value, np.ndarray):
        return f"array shape={value.shape} dtype={value.dtype} {fmt(value)}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_describe(v, fmt)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        inner = ", ".join(_describe(v, fmt) for v in value)
        return f"({inner})" if isinstance(value, tuple) else f"[{inner}]"
    if value is None:
        return "None"
    if isinstance(value, (bool, int, float, str, np.integer, np.floating, np.bool_)):
        return f"{type(value).__name__} {fmt(value)}"
    return f"an object of type {type(value).__name__}"


def _arrays(value):
    """Tensors as numpy arrays (recursively), so that a tensor answer can be compared."""
    if _is_tensor(value):
        return value.detach().cpu().numpy()
    if isinstance(value, tuple):
        return tuple(_arrays(v) for v in value)
    if isinstance(value, list):
        return [_arrays(v) for v in value]
    return value


# ------------------------------------------------------------------------------ known mistakes
def _softmax_cols(Z):
    e = np.exp(Z - Z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def _rf_stride_first(layers):
    size, jump = 1, 1
    for k, s in layers:
        jump *= s
        size += (k - 1) * jump
    return size, jump


MISTAKES = {
    "relu_backward": [("relu_no_dA", lambda dA, Z: (Z > 0).astype(float)),
                      ("relu_inverted", lambda dA, Z: dA * (Z < 0)),
                      ("relu_of_dA", lambda dA, Z: np.maximum(dA, 0))],
    "leaky_relu_backward": [("leaky_no_dA", lambda dA, Z, a=0.01: np.where(Z > 0, 1.0, a)),
                            ("leaky_relu_only", lambda dA, Z, a=0.01: dA * (Z > 0)),
                            ("leaky_inverted", lambda dA, Z, a=0.01: np.where(Z > 0, a * dA, dA))],
    "global_avg_pool": [("gap_sum", lambda A: A.sum(axis=(1, 2))),
                        ("gap_keepdims", lambda A: A.mean(axis=(1, 2), keepdims=True)),
                        ("gap_axes", lambda A: A.mean(axis=(0, 1))),
                        ("gap_axes", lambda A: A.mean(axis=(1, 3)))],
    "conv_param_counts": [("counts_no_bias", lambda f, c, n: (f * f * c * n, f * f * c + c * n)),
                          ("counts_swapped", lambda f, c, n: ((f * f * c + c) + (c * n + n), (f * f * c + 1) * n)),
                          ("counts_depthwise_only", lambda f, c, n: ((f * f * c + 1) * n, f * f * c + c))],
    "fc_forward": [("fc_no_bias", lambda A, W, b: (A @ W, (A, W, b)))],
    "fc_backward": [("fc_db_shape", lambda dZ, cache: (dZ @ cache[1].T, cache[0].T @ dZ, dZ.sum(axis=0))),
                    ("fc_db_mean", lambda dZ, cache: (dZ @ cache[1].T, cache[0].T @ dZ,
                                                     dZ.mean(axis=0, keepdims=True)))],
    "softmax": [("softmax_axis", lambda Z: _softmax_cols(Z))],
    "dropout_forward": [("dropout_no_scale", lambda A, p, train, seed: (
                            A * (np.random.default_rng(seed).random(A.shape) < p),
                            np.random.default_rng(seed).random(A.shape) < p)),
                        ("dropout_drop_prob", lambda A, p, train, seed: (
                            A * (np.random.default_rng(seed).random(A.shape) < 1 - p) / p,
                            np.random.default_rng(seed).random(A.shape) < 1 - p))],
    "receptive_field": [("rf_sum_kernels", lambda layers: (sum(k for k, _ in layers) - len(layers) + 1,
                                                           int(np.prod([s for _, s in layers])))),
                        ("rf_stride_first", _rf_stride_first)],
    "nn_accuracy": [("nn_self", lambda emb, labels: 1.0)],
}


def _special_hints(name, args, got, want) -> list[str]:
    """Mistakes recognised from the shape of the answer rather than from a recomputation."""
    hints = []
    if name in ("softmax", "softmax_cross_entropy"):
        flat = [v for v in (got if isinstance(got, tuple) else (got,))]
        if any(isinstance(v, (np.ndarray, float, np.floating)) and not np.all(np.isfinite(v)) for v in flat):
            hints.append("softmax_overflow" if name == "softmax" else "ce_unstable")
    if name == "softmax_cross_entropy" and isinstance(got, tuple) and len(got) == 2:
        m = args[0].shape[0]
        if m > 1 and _close(got[0], want[0] * m):
            hints.append("ce_sum")
        if m > 1 and _close(got[1], want[1] * m):
            hints.append("ce_dZ_no_m")
    if name == "fc_backward" and isinstance(got, tuple) and len(got) == 3 and isinstance(got[1], np.ndarray) \
            and got[1].shape == want[1].shape[::-1]:
        hints.append("fc_dW_T")
    if name in ("depthwise_conv_forward", "pointwise_conv", "fc_forward") and got is not None:
        b = args[2]
        z_got = got[0] if isinstance(got, tuple) else got
        z_want = want[0] if isinstance(want, tuple) else want
        if isinstance(z_got, np.ndarray) and z_got.shape == z_want.shape and \
                np.allclose(z_got + b.reshape((1,) * (z_got.ndim - b.ndim) + b.shape), z_want):
            hints.append("no_bias")
    if name == "activation_stats" and isinstance(got, tuple) and len(got) == 2 and _close(got[0], 1 - want[0]):
        hints.append("stats_nonzero")
    if name == "pca_2d" and isinstance(got, np.ndarray) and got.shape == want.shape:
        if np.allclose(np.abs(got), np.abs(want), atol=1e-6):
            hints.append("pca_sign")
    if name == "normalize_filters" and isinstance(got, np.ndarray) and got.shape == want.shape:
        w = _arrays(args[0]).astype(np.float64)
        if np.allclose(got, (w - w.min()) / (w.max() - w.min())):
            hints.append("norm_global")
    if name == "tile_filters" and isinstance(got, np.ndarray) and got.shape == want.shape \
            and np.allclose(np.nan_to_num(got), np.nan_to_num(want)) and not np.isnan(got).any():
        hints.append("tile_nan")
    if name == "unit_input_gradient" and isinstance(got, np.ndarray) and got.shape == want.shape \
            and np.abs(got).sum() > np.abs(want).sum() * 1.5:
        hints.append("grad_whole_output")
    return hints


def _hints(name, args, got, want) -> list[str]:
    hints = _special_hints(name, args, got, want)
    for key, wrong in MISTAKES.get(name, ()):
        try:
            value = wrong(*args)
            if value is not None and _close(got, _arrays(value) if not isinstance(value, tuple)
                                            else tuple(_arrays(v) for v in value)):
                hints.append(key)
        except Exception:  # noqa: BLE001 - a mistake that does not apply to this input is no match
            pass
    return list(dict.fromkeys(hints))


# ------------------------------------------------------------------------------ the loop
def _after_call(name, args, result, t) -> list[str]:
    """Problems that the value alone does not show (left-over hooks, changed mode...)."""
    problems = []
    if name == "collect_activations":
        model = args[0]
        left = sum(len(m._forward_hooks) for m in model.modules())
        if left:
            problems.append(t("hooks_left", n=left))
        if model.training:
            problems.append(t("mode_changed"))
        if isinstance(result, dict) and any(_is_tensor(v) and v.requires_grad for v in result.values()):
            problems.append(t("not_detached"))
    return problems


def run_check(name, function, examples, expected, summarise, t, fmt) -> None:
    for key, args in examples:
        case = t("case." + key)

        def fail(problem, hints=(), cause=None):
            lines = [t("header", func=name, case=case), problem]
            lines += [t("hint", hint=t("hint." + h)) for h in hints]
            raise AssertionError("\n".join(lines)) from cause

        before = _copy(args)
        try:
            result = function(*args)
        except NotImplementedError:
            raise AssertionError(t("not_implemented", func=name)) from None
        except Exception as exc:  # noqa: BLE001 - any mistake becomes a readable message
            hints = ["hooks_finally"] if name == "collect_activations" else []
            fail(t("raised", exc=f"{type(exc).__name__}: {exc}"), hints, cause=exc)
        if not all(_same_input(a, b) for a, b in zip(before, args)):
            fail(t("inputs_modified"))
        problems = _after_call(name, args, result, t)
        if problems:
            fail("\n".join(problems))
        if result is None:
            fail(t("returned_none"), ["return"])
        got = _arrays(summarise(name, result))
        if isinstance(got, list) and isinstance(expected[key], tuple):
            got = tuple(got)
        want = expected[key]
        if not _close(got, want):
            fail(t("wrong", expected=_describe(want, fmt), got=_describe(got, fmt)),
                 _hints(name, args, got, want))
        print(t("passed", func=name, case=case))
    print(t("all_passed", func=name))
