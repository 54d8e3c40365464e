"""The student-visible checks of transfer_learning (source/transfer_learning/tl_checks.py).

* every check passes on the reference solutions, in English and in Korean;
* a stub gives the friendly "not implemented" message naming the function;
* every wrong function of the corpus fails its visible check with an
  AssertionError (never another exception);
* the numbers the checks store are what the reference computes;
* both languages have the same messages.
"""
from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest
import torch
from torch import nn

from test_assignments.test_transfer_support import CORPUS, CONFIG_QUESTIONS, GRADED, check_constants, load_shipped, reference

from test_assignments.test_corpus import _parse

tc = load_shipped("tl_checks")
ref = reference()
FUNCTIONS = [q for q in GRADED if q not in CONFIG_QUESTIONS]
WRONG = [_parse(p) for p in sorted((CORPUS / "wrong").glob("*.py"))]


@pytest.fixture(params=["en", "ko"])
def lang(request, monkeypatch):
    monkeypatch.setenv("TL_CHECKS_LANG", request.param)
    return request.param


def quietly(fn, *args):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        fn(*args)
    return out.getvalue()


def test_stored_numbers_match_the_reference():
    train, evaluate = check_constants(ref)
    assert evaluate == pytest.approx(tc.EVALUATE_EXPECTED, abs=1e-9)
    assert train.keys() == tc.TRAIN_EXPECTED.keys()
    for key, value in train.items():
        # float32 training differs in the last bits between CPUs (vector instruction sets); the visible
        # check accepts 1e-4 relative, so 1e-5 keeps a tenfold margin for every student's machine.
        assert np.allclose(value, tc.TRAIN_EXPECTED[key], rtol=1e-5, atol=1e-5), key


@pytest.mark.parametrize("name", FUNCTIONS)
def test_checks_pass_on_the_reference(name, lang):
    out = quietly(getattr(tc, f"check_{name}"), getattr(ref, name))
    assert out.count("✓") >= 2 and "✗" not in out
    assert tc.MESSAGES[lang]["all_passed"].format(func=name) in out


def test_config_checks(lang):
    history = {"train_loss": [1.0, 0.5], "val_accuracy": [0.5, 0.86]}
    out = quietly(tc.check_feature_extractor_config, ref.FEATURE_EXTRACTOR_CONFIG, history)
    assert "✗" not in out and "0.860" in out
    note = tc.MESSAGES[lang]["ft_lr_note"].split("{")[0].strip()
    out = quietly(tc.check_fine_tune_config, ref.FINE_TUNE_CONFIG, history, ref.FEATURE_EXTRACTOR_CONFIG)
    assert "✗" not in out and note not in out
    out = quietly(tc.check_fine_tune_config, {"lr": 0.05, "epochs": 5, "batch_size": 10}, history,
                  ref.FEATURE_EXTRACTOR_CONFIG)
    assert note in out                      # a larger learning rate than the feature extractor's: a note
    bad = [({"lr": 0.01, "epochs": 30}, "config_keys"), ({"lr": 0.0, "epochs": 3, "batch_size": 5}, "config_lr"),
           ({"lr": 0.01, "epochs": 3.0, "batch_size": 5}, "config_epochs"), ([0.01, 3, 5], "config_type")]
    for config, key in bad:
        with pytest.raises(AssertionError) as info:
            quietly(tc.check_feature_extractor_config, config, history)
        assert tc.MESSAGES[lang][key].split("{")[0].strip()[:12] in str(info.value)
    with pytest.raises(AssertionError) as info:
        quietly(tc.check_fine_tune_config, ref.FINE_TUNE_CONFIG, {"val_accuracy": [0.6]})
    assert tc.MESSAGES[lang]["hint.more_training"] in str(info.value)
    with pytest.raises(AssertionError):
        quietly(tc.check_fine_tune_config, ref.FINE_TUNE_CONFIG, None)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_stub_says_not_implemented(name, lang):
    namespace = {}
    exec(f"def {name}(*args):\n    raise NotImplementedError()", namespace)  # noqa: S102 - the released stub
    stub = namespace[name]
    with pytest.raises(AssertionError) as info:
        quietly(getattr(tc, f"check_{name}"), stub)
    assert str(info.value) == tc.MESSAGES[lang]["not_implemented"].format(func=name, where=name)


@pytest.mark.parametrize("variant", [v for v in WRONG if v.question in FUNCTIONS], ids=lambda v: v.path.name)
def test_corpus_mistakes_fail_their_visible_check(variant, lang):
    namespace = {"torch": torch, "nn": nn, "np": np}
    exec(variant.source, namespace)  # noqa: S102 - our own corpus
    with pytest.raises(AssertionError) as info:
        quietly(getattr(tc, f"check_{variant.question}"), namespace[variant.question])
    text = str(info.value)
    assert text.startswith("✗") and variant.question in text


def test_both_languages_have_the_same_messages():
    en, ko = tc.MESSAGES["en"], tc.MESSAGES["ko"]
    assert en.keys() == ko.keys()
    import string
    fields = lambda t: sorted(f for _, f, _, _ in string.Formatter().parse(t) if f)  # noqa: E731
    for key in en:
        assert fields(en[key]) == fields(ko[key]), key


def test_checks_module_is_self_contained():
    with open(tc.__file__, encoding="utf-8") as f:
        source = f.read()
    assert "autograder" not in source and "_tl_cases" not in source and "hidden_tests" not in source
