"""The student-visible checks (source/cnn_step_by_step/cnn_checks.py).

* every check passes on the reference solutions, called as the notebook calls them;
* every check turns a ``NotImplementedError`` stub into a friendly AssertionError;
* every check fails with an AssertionError (never another exception) on
  plausible wrong implementations, and names the known mistake in its hint,
  in English and in Korean;
* the module ships without torch and without reference implementations.
"""
from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import shutil
import string
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from autograder.engine.reference import load_reference

ASSIGNMENT = Path(__file__).resolve().parents[2] / "source" / "cnn_step_by_step"
ref = load_reference(ASSIGNMENT / "cnn_step_by_step.ipynb")

GRADED = ["conv_output_shape", "conv_param_count", "zero_pad", "conv_single_step", "conv_forward",
          "pool_forward", "conv_backward", "create_mask_from_window", "distribute_value", "pool_backward"]
LANGS = ["en", "ko"]


def load_checks(directory: Path = ASSIGNMENT, name: str = "cnn_checks_under_test"):
    spec = importlib.util.spec_from_file_location(name, directory / "cnn_checks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


cc = load_checks()
MSG = cc.MESSAGES


@pytest.fixture(params=LANGS)
def lang(request, monkeypatch):
    monkeypatch.setenv("CNN_CHECKS_LANG", request.param)
    return request.param


def run_quietly(fn, *args, **kwargs) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        fn(*args, **kwargs)
    return out.getvalue()


def failure(check, fn, *extra) -> str:
    """Run a check that must fail; return its AssertionError message."""
    with pytest.raises(AssertionError) as info:
        run_quietly(check, fn, *extra)
    return str(info.value)


def hint(lang, key, **kw) -> str:
    return MSG[lang]["hint." + key].format(**kw)


# ---------------------------------------------------------------- the reference passes
NOTEBOOK_ORDER = "\n".join(f"check_{name}({name})" for name in GRADED)


def test_every_check_passes_on_the_reference_as_called_in_the_notebook(lang):
    namespace = {name: getattr(ref, name) for name in GRADED}
    namespace.update({name: getattr(cc, name) for name in cc.__all__})   # from cnn_checks import *
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(NOTEBOOK_ORDER, namespace)  # noqa: S102 - our own code
    lines = out.getvalue().splitlines()
    passed = [line for line in lines if line.startswith("✓ ")]
    assert len(passed) >= 40
    for name in GRADED:
        assert MSG[lang]["all_passed"].format(func=name) in lines
        assert any(line.startswith(f"✓ {name}: ") for line in passed), name
    # conv_forward was found in the caller's globals: the canonical backward check ran
    canonical = MSG[lang]["case.bwd_canonical"]
    assert f"✓ conv_backward: {canonical}" in lines
    assert not any(line.startswith("–") for line in lines)


def test_conv_backward_takes_conv_forward_explicitly_or_skips_the_canonical_check(lang):
    canonical = MSG[lang]["case.bwd_canonical"]
    out = run_quietly(cc.check_conv_backward, ref.conv_backward, ref.conv_forward)
    assert f"✓ conv_backward: {canonical}" in out
    # no conv_forward anywhere (this module has none): skipped, not failed
    out = run_quietly(cc.check_conv_backward, ref.conv_backward)
    assert MSG[lang]["skipped"].format(func="conv_backward", case=canonical) in out
    # a broken conv_forward must not make conv_backward fail either

    def conv_forward(A_prev, W, b, hparameters):
        raise NotImplementedError()
    out = run_quietly(cc.check_conv_backward, ref.conv_backward, conv_forward)
    assert MSG[lang]["skipped"].format(func="conv_backward", case=canonical) in out


def test_checks_do_not_touch_the_global_random_state():
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    run_quietly(cc.check_conv_single_step, ref.conv_single_step)
    run_quietly(cc.check_conv_forward, ref.conv_forward)
    run_quietly(cc.check_pool_forward, ref.pool_forward)
    np.testing.assert_array_equal(np.random.get_state()[1], before)


# ---------------------------------------------------------------- stubs
@pytest.mark.parametrize("name", GRADED)
def test_a_stub_gives_a_friendly_not_implemented_message(name, lang):
    namespace = {}
    exec(f"def {name}(*args, **kwargs):\n    raise NotImplementedError()", namespace)  # noqa: S102
    message = failure(getattr(cc, f"check_{name}"), namespace[name])
    assert message == MSG[lang]["not_implemented"].format(func=name, where=name)
    assert "Traceback" not in message


def test_a_stub_helper_is_named(lang):
    namespace = {}
    exec("def conv_single_step(a, W, b):\n    raise NotImplementedError()", namespace)  # noqa: S102
    conv_forward = make_conv_forward(step=namespace["conv_single_step"])
    message = failure(cc.check_conv_forward, conv_forward)
    assert message == MSG[lang]["not_implemented"].format(func="conv_forward", where="conv_single_step")


# ---------------------------------------------------------------- plausible wrong implementations
def floor_size(n, p, f, s):
    return (n + 2 * p - f) // s + 1


def round_size(n, p, f, s):
    return int(round((n + 2 * p - f) / s)) + 1


def single_step_float_b(a, W, b):
    return np.sum(a * W) + float(b)


def single_step_bias_inside(a, W, b):
    return np.sum(a * W + b.item())


def single_step_in_place(a, W, b):
    a *= W
    return np.sum(a) + b.item()


def make_conv_forward(*, size=floor_size, stride_in_window=True, bias_c=None, filter_c=None,
                      step=None, padded_window=True, use_pad=True, swap=False, cache_len=4, pair=True):
    step = step or ref.conv_single_step

    def conv_forward(A_prev, W, b, hparameters):
        m, n_H_prev, n_W_prev, _ = A_prev.shape
        f, _, _, n_C = W.shape
        s, p = hparameters["stride"], hparameters["pad"] if use_pad else 0
        n_H, n_W = size(n_H_prev, p, f, s), size(n_W_prev, p, f, s)
        if swap:
            n_H, n_W = n_W, n_H
        Z = np.zeros((m, n_H, n_W, n_C))
        source = np.pad(A_prev, ((0, 0), (p, p), (p, p), (0, 0))) if padded_window else A_prev
        for i in range(m):
            for h in range(n_H):
                vs = h * s if stride_in_window else h
                for w in range(n_W):
                    hs = w * s if stride_in_window else w
                    window = source[i, vs:vs + f, hs:hs + f, :]
                    for c in range(n_C):
                        wc = c if filter_c is None else filter_c
                        bc = c if bias_c is None else bias_c
                        Z[i, h, w, c] = step(window, W[:, :, :, wc], b[:, :, :, bc])
        cache = (A_prev, W, b, hparameters)[:cache_len]
        return (Z, cache) if pair else Z
    return conv_forward


def make_pool_forward(*, size=lambda n, f, s: (n - f) // s + 1, stride_in_window=True,
                      over_channels=False, ignore_mode=False, default="max", max_from_zero=False):
    def pool_forward(A_prev, hparameters, mode=default):
        m, n_H_prev, n_W_prev, n_C = A_prev.shape
        f, s = hparameters["f"], hparameters["stride"]
        n_H, n_W = size(n_H_prev, f, s), size(n_W_prev, f, s)
        A = np.zeros((m, n_H, n_W, n_C))
        for i in range(m):
            for h in range(n_H):
                vs = h * s if stride_in_window else h
                for w in range(n_W):
                    hs = w * s if stride_in_window else w
                    for c in range(n_C):
                        window = A_prev[i, vs:vs + f, hs:hs + f, slice(None) if over_channels else c]
                        use_max = mode == "max" or ignore_mode
                        if use_max:
                            A[i, h, w, c] = max(0.0, np.max(window)) if max_from_zero else np.max(window)
                        else:
                            A[i, h, w, c] = np.mean(window)
        return A, (A_prev, hparameters)
    return pool_forward


def make_conv_backward(*, assign=False, negative_unpad=False, db_assign=False, keep_padding=False, no_stride=False):
    def conv_backward(dZ, cache):
        A_prev, W, b, hparameters = cache
        f, s, p = W.shape[0], hparameters["stride"], hparameters["pad"]
        m, n_H, n_W, n_C = dZ.shape
        n_H_prev, n_W_prev = A_prev.shape[1:3]
        dA_prev, dW, db = np.zeros(A_prev.shape), np.zeros(W.shape), np.zeros(b.shape)
        A_pad = ref.zero_pad(A_prev, p)
        dA_pad = ref.zero_pad(dA_prev, p)
        for i in range(m):
            for h in range(n_H):
                for w in range(n_W):
                    vs, hs = (h, w) if no_stride else (h * s, w * s)
                    for c in range(n_C):
                        grad = W[:, :, :, c] * dZ[i, h, w, c]
                        if assign:
                            dA_pad[i, vs:vs + f, hs:hs + f, :] = grad
                        else:
                            dA_pad[i, vs:vs + f, hs:hs + f, :] += grad
                        dW[:, :, :, c] += A_pad[i, vs:vs + f, hs:hs + f, :] * dZ[i, h, w, c]
                        if db_assign:
                            db[:, :, :, c] = dZ[i, h, w, c]
                        else:
                            db[:, :, :, c] += dZ[i, h, w, c]
            if negative_unpad:
                dA_prev[i] = dA_pad[i, p:-p, p:-p, :]
            else:
                dA_prev[i] = dA_pad[i, p:p + n_H_prev, p:p + n_W_prev, :]
        return (dA_pad if keep_padding else dA_prev), dW, db
    return conv_backward


def distribute_plus(dz, shape):
    return np.ones(shape) * dz / (shape[0] + shape[1])


def make_pool_backward(*, assign=False, mix_channels=False, distribute=None, ignore_mode=False,
                       default="max", mask_only=False):
    distribute = distribute or ref.distribute_value

    def pool_backward(dA, cache, mode=default):
        A_prev, hparameters = cache
        f, s = hparameters["f"], hparameters["stride"]
        m, n_H, n_W, n_C = dA.shape
        dA_prev = np.zeros(A_prev.shape)
        for i in range(m):
            for h in range(n_H):
                for w in range(n_W):
                    vs, hs = h * s, w * s
                    for c in range(n_C):
                        if mode == "max" or ignore_mode:
                            grad = ref.create_mask_from_window(A_prev[i, vs:vs + f, hs:hs + f, c])
                            grad = grad * (1.0 if mask_only else dA[i, h, w, c])
                        else:
                            grad = distribute(dA[i, h, w, c], (f, f))
                        target = (i, slice(vs, vs + f), slice(hs, hs + f), slice(None) if mix_channels else c)
                        if mix_channels:
                            grad = grad[:, :, None]
                        if assign:
                            dA_prev[target] = grad
                        else:
                            dA_prev[target] += grad
        return dA_prev
    return pool_backward


WRONG = {  # (graded function, wrong implementation, expected hint key, hint kwargs)
    "shape_round": ("conv_output_shape", lambda s, f, n, p, st: (round_size(s[0], p, f, st), round_size(s[1], p, f, st), n), "round"),
    "shape_no_stride": ("conv_output_shape", lambda s, f, n, p, st: (s[0] + 2 * p - f + 1, s[1] + 2 * p - f + 1, n), "stride"),
    "shape_swapped": ("conv_output_shape", lambda s, f, n, p, st: (floor_size(s[1], p, f, st), floor_size(s[0], p, f, st), n), "swap_hw"),
    "shape_true_division": ("conv_output_shape", lambda s, f, n, p, st: ((s[0] + 2 * p - f) / st + 1, (s[1] + 2 * p - f) / st + 1, n), "int_division"),
    "shape_input_channels": ("conv_output_shape", lambda s, f, n, p, st: (floor_size(s[0], p, f, st), floor_size(s[1], p, f, st), s[2]), "n_channels"),
    "params_no_bias": ("conv_param_count", lambda f, c, n: f * f * c * n, "param_bias"),
    "params_no_channels": ("conv_param_count", lambda f, c, n: (f * f + 1) * n, "param_channels"),
    "params_float": ("conv_param_count", lambda f, c, n: float((f * f * c + 1) * n), "int"),
    "pad_all_axes": ("zero_pad", lambda X, pad: np.pad(X, pad), "pad_axes"),
    "pad_one_side": ("zero_pad", lambda X, pad: np.pad(X, ((0, 0), (pad, 0), (pad, 0), (0, 0))), "pad_one_side"),
    "pad_with_ones": ("zero_pad", lambda X, pad: np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), constant_values=1), "pad_values"),
    "single_float_b": ("conv_single_step", single_step_float_b, "float_b"),
    "single_bias_inside": ("conv_single_step", single_step_bias_inside, "bias_inside"),
    "single_array": ("conv_single_step", lambda a, W, b: np.sum(a * W) + b, "scalar"),
    "single_no_bias": ("conv_single_step", lambda a, W, b: np.sum(a * W), "bias_missing"),
    "forward_no_stride": ("conv_forward", make_conv_forward(stride_in_window=False), "stride"),
    "forward_round": ("conv_forward", make_conv_forward(size=round_size), "round"),
    "forward_bias_index": ("conv_forward", make_conv_forward(bias_c=0), "bias_index"),
    "forward_filter_index": ("conv_forward", make_conv_forward(filter_c=0), "filter_index"),
    "forward_bias_inside": ("conv_forward", make_conv_forward(step=single_step_bias_inside), "bias_inside"),
    "forward_float_b": ("conv_forward", make_conv_forward(step=single_step_float_b), "float_b"),
    "forward_array_step": ("conv_forward", make_conv_forward(step=lambda a, W, b: np.sum(a * W) + b), "scalar"),
    "forward_unpadded_window": ("conv_forward", make_conv_forward(padded_window=False), "window_shape"),
    "forward_pad_ignored": ("conv_forward", make_conv_forward(use_pad=False), "pad_ignored"),
    "forward_swapped": ("conv_forward", make_conv_forward(swap=True), "swap_hw"),
    "forward_short_cache": ("conv_forward", make_conv_forward(cache_len=3), "cache", {"expected": "(A_prev, W, b, hparameters)"}),
    "forward_only_Z": ("conv_forward", make_conv_forward(pair=False), "pair", {"first": "Z"}),
    "pool_over_channels": ("pool_forward", make_pool_forward(over_channels=True), "pool_channels"),
    "pool_no_stride": ("pool_forward", make_pool_forward(stride_in_window=False), "stride"),
    "pool_round": ("pool_forward", make_pool_forward(size=lambda n, f, s: int(round((n - f) / s)) + 1), "round"),
    "pool_mode_ignored": ("pool_forward", make_pool_forward(ignore_mode=True), "pool_mode"),
    "backward_assign": ("conv_backward", make_conv_backward(assign=True), "plus_equal"),
    "backward_negative_unpad": ("conv_backward", make_conv_backward(negative_unpad=True), "unpad"),
    "backward_db_assign": ("conv_backward", make_conv_backward(db_assign=True), "db"),
    "mask_min": ("create_mask_from_window", lambda x: x == np.min(x), "mask_min"),
    "mask_values": ("create_mask_from_window", lambda x: x * (x == np.max(x)), "mask_bool"),
    "distribute_plus": ("distribute_value", distribute_plus, "distribute_sum"),
    "distribute_no_division": ("distribute_value", lambda dz, shape: np.ones(shape) * dz, "distribute_divide"),
    "distribute_swapped": ("distribute_value", lambda dz, shape: np.ones(shape[::-1]) * dz / (shape[0] * shape[1]), "swap_hw"),
    "pool_backward_assign": ("pool_backward", make_pool_backward(assign=True), "plus_equal"),
    "pool_backward_mix_channels": ("pool_backward", make_pool_backward(mix_channels=True), "pool_channels"),
    "pool_backward_distribute_plus": ("pool_backward", make_pool_backward(distribute=distribute_plus), "distribute_sum"),
    "pool_backward_mode_ignored": ("pool_backward", make_pool_backward(ignore_mode=True), "pool_mode"),
    "single_in_place": ("conv_single_step", single_step_in_place, "inplace"),
    "distribute_floor_division": ("distribute_value", lambda dz, shape: np.ones(shape) * (dz // (shape[0] * shape[1])), "true_division"),
    "pool_default_average": ("pool_forward", make_pool_forward(default="average"), "default_mode"),
    "pool_backward_default_average": ("pool_backward", make_pool_backward(default="average"), "default_mode"),
    "pool_max_from_zero": ("pool_forward", make_pool_forward(max_from_zero=True), "max_negative"),
    "pool_backward_mask_only": ("pool_backward", make_pool_backward(mask_only=True), "mask_times_dA"),
    "backward_padded_gradient": ("conv_backward", make_conv_backward(keep_padding=True), "unpad"),
    "backward_no_stride": ("conv_backward", make_conv_backward(no_stride=True), "bwd_stride_pad"),
}


@pytest.mark.parametrize("mistake", sorted(WRONG))
def test_a_plausible_mistake_fails_with_its_hint(mistake, lang):
    name, wrong, key, *kw = WRONG[mistake]
    extra = (ref.conv_forward,) if name == "conv_backward" else ()
    message = failure(getattr(cc, f"check_{name}"), wrong, *extra)
    assert message.startswith(f"✗ {name} — "), message
    assert MSG[lang]["hint"].format(hint=hint(lang, key, **(kw[0] if kw else {}))) in message, message
    # the message says what was checked and what came back
    assert any(MSG[lang][k].split("{")[0].strip() in message
               for k in ("wrong_shape", "wrong_value", "wrong_scalar", "wrong_type", "raised", "not_array")), message


def test_every_graded_function_has_a_recognised_mistake():
    assert {spec[0] for spec in WRONG.values()} == set(GRADED)


def test_the_failure_message_shows_input_expected_and_got(monkeypatch):
    monkeypatch.setenv("CNN_CHECKS_LANG", "en")
    message = failure(cc.check_conv_forward, make_conv_forward(bias_c=0))
    assert "input: A_prev.shape=(1, 3, 4, 2)" in message
    assert "b.shape=(1, 1, 1, 3) b[..]=[100, 200, 300]" in message
    assert "expected 216, got 116" in message.replace(".0", "")


# ---------------------------------------------------------------- the shared corpus of submissions
CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "cnn_step_by_step"
HELPERS = ["zero_pad", "conv_single_step", "conv_forward", "create_mask_from_window", "distribute_value"]
#: wrong corpus submissions that only the hidden tests are expected to catch (none so far)
# Mistakes that only the grader can see: the values are right, the rules are broken
# (forbidden modules are found by the engine's static policy check, not by running code).
NOT_CAUGHT_BY_VISIBLE_CHECKS: set[str] = {"conv_forward_uses_torch"}


def corpus(kind):
    return sorted((CORPUS / kind).glob("*.py")) if (CORPUS / kind).is_dir() else []


def load_corpus_entry(path):
    source = path.read_text(encoding="utf-8")
    question = next(line.split(":", 1)[1].strip() for line in source.splitlines() if line.startswith("# question:"))
    namespace = {"np": np, **{name: getattr(ref, name) for name in HELPERS}}
    exec(compile(source, str(path), "exec"), namespace)  # noqa: S102 - our own corpus
    extra = (ref.conv_forward,) if question == "conv_backward" else ()
    return getattr(cc, f"check_{question}"), namespace[question], extra


@pytest.mark.parametrize("path", corpus("right"), ids=lambda p: p.stem)
def test_right_corpus_submissions_pass_the_visible_checks(path, monkeypatch):
    monkeypatch.setenv("CNN_CHECKS_LANG", "en")
    check, fn, extra = load_corpus_entry(path)
    run_quietly(check, fn, *extra)


@pytest.mark.parametrize("path", corpus("wrong"), ids=lambda p: p.stem)
def test_wrong_corpus_submissions_fail_the_visible_checks(path, monkeypatch):
    monkeypatch.setenv("CNN_CHECKS_LANG", "en")
    check, fn, extra = load_corpus_entry(path)
    if path.stem in NOT_CAUGHT_BY_VISIBLE_CHECKS:
        try:
            run_quietly(check, fn, *extra)
        except AssertionError:
            pass
        return
    message = failure(check, fn, *extra)
    assert message.startswith("✗ "), message


# ---------------------------------------------------------------- accepted variations
def test_marking_only_one_of_tied_maxima_is_accepted():
    def first_argmax(x):
        mask = np.zeros(x.shape, dtype=bool)
        mask[np.unravel_index(np.argmax(x), x.shape)] = True
        return mask
    run_quietly(cc.check_create_mask_from_window, first_argmax)


def test_a_vectorised_correct_implementation_passes():
    def conv_forward(A_prev, W, b, hparameters):
        s, p = hparameters["stride"], hparameters["pad"]
        f = W.shape[0]
        A = np.pad(A_prev, ((0, 0), (p, p), (p, p), (0, 0)))
        n_H = (A_prev.shape[1] + 2 * p - f) // s + 1
        n_W = (A_prev.shape[2] + 2 * p - f) // s + 1
        windows = np.lib.stride_tricks.sliding_window_view(A, (f, f), axis=(1, 2))[:, ::s, ::s][:, :n_H, :n_W]
        Z = np.einsum("mhwcij,ijcn->mhwn", windows, W) + b
        return Z, (A_prev, W, b, hparameters)
    run_quietly(cc.check_conv_forward, conv_forward)


# ---------------------------------------------------------------- messages and language
def test_both_languages_have_the_same_messages_and_placeholders():
    assert set(MSG) == {"en", "ko"}
    assert MSG["en"].keys() == MSG["ko"].keys()
    fields = lambda text: sorted(f for _, f, _, _ in string.Formatter().parse(text) if f)  # noqa: E731
    for key in MSG["en"]:
        assert fields(MSG["en"][key]) == fields(MSG["ko"][key]), key
    used_hints = {spec[2] for spec in WRONG.values()}
    assert used_hints <= {k[len("hint."):] for k in MSG["en"] if k.startswith("hint.")}


def test_korean_messages_use_the_course_vocabulary():
    korean = " ".join(MSG["ko"].values())
    for word in ("합성곱", "풀링", "패딩", "스트라이드", "특성 맵", "편향", "기울기", "필터", "채널"):
        assert word in korean, word


def test_language_from_settings_file_and_env_override(tmp_path, monkeypatch):
    for name in ("cnn_checks.py", "_cnn_check_messages.py"):
        shutil.copy(ASSIGNMENT / name, tmp_path / name)
    module = load_checks(tmp_path, "cnn_checks_language_test")
    monkeypatch.delenv("CNN_CHECKS_LANG", raising=False)
    assert module._language() == "en"                      # no file, no variable
    (tmp_path / "check_settings.json").write_text(json.dumps({"language": "ko"}), encoding="utf-8")
    assert module._language() == "ko"
    out = run_quietly(module.check_conv_param_count, ref.conv_param_count)
    assert MSG["ko"]["all_passed"].format(func="conv_param_count") in out
    monkeypatch.setenv("CNN_CHECKS_LANG", "en")
    assert module._language() == "en"
    monkeypatch.setenv("CNN_CHECKS_LANG", "fr")             # unknown: English
    assert module._language() == "en"
    monkeypatch.delenv("CNN_CHECKS_LANG")
    (tmp_path / "check_settings.json").write_text("not json", encoding="utf-8")
    assert module._language() == "en"


# ---------------------------------------------------------------- what is shipped
def test_star_import_exports_exactly_the_checks():
    assert sorted(cc.__all__) == sorted(f"check_{name}" for name in GRADED)


def test_no_reference_implementation_and_no_torch_in_the_shipped_files():
    for name in GRADED:
        assert not hasattr(cc, name), f"cnn_checks defines {name}"
    for file in ("cnn_checks.py", "_cnn_check_messages.py"):
        source = (ASSIGNMENT / file).read_text(encoding="utf-8")
        assert "import torch" not in source and "from torch" not in source
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import cnn_checks; "
            "assert 'torch' not in sys.modules, 'torch imported'")
    subprocess.run([sys.executable, "-c", code, str(ASSIGNMENT)], check=True, timeout=60)
