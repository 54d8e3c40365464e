"""transfer_learning grading pieces, in process (no sandbox): fast checks of the design.

* grading.yml: the per-question ``settings`` (accuracy thresholds) are
  validated and reach the hidden tests through the ``settings`` fixture;
* tl_harness answers with plain data only (the codec encodes every reply in
  strict mode), whatever function it calls;
* the end-to-end grading never sends the hidden test split to the worker:
  neither its labels nor its images;
* the settings validation of the end-to-end questions;
* the reference configuration reaches the thresholds with margin, and a
  network trained from scratch on the same images does not.
"""
from __future__ import annotations

import sys

import numpy as np
import pytest
import torch
import yaml

from test_assignments.test_transfer_support import NAME, ROOT, SOURCE_DIR, reference
from autograder.sandbox.inside import codec
from autograder.config import ConfigError, get_assignment, load_grading

sys.path.insert(0, str(SOURCE_DIR / "hidden_tests"))
import _e2e  # noqa: E402  (trusted hidden-test helpers)
import _tl_cases as C  # noqa: E402

ref = reference()
H = C.tl_harness
FUNCTIONS = ["freeze_backbone", "replace_classifier", "count_trainable_parameters", "make_optimizer",
             "train_one_epoch", "evaluate", "unfreeze_last_block"]


def _namespace(**overrides):
    ns = {name: getattr(ref, name) for name in FUNCTIONS}
    ns["FEATURE_EXTRACTOR_CONFIG"] = dict(ref.FEATURE_EXTRACTOR_CONFIG)
    ns["FINE_TUNE_CONFIG"] = dict(ref.FINE_TUNE_CONFIG)
    ns.update(overrides)
    return ns


class FakeStudent:
    """The ``student`` fixture without a sandbox: harness calls run here, arguments are recorded."""

    def __init__(self, namespace):
        self.namespace, self.sent = namespace, []

    def harness(self, name, *args):
        module, _, function = name.partition(":")
        assert module == "tl_harness"
        encoded = codec.encode(list(args), strict=True)          # what would cross to the worker
        self.sent.append(codec.decode(encoded))
        reply = getattr(H, function)(self.namespace, *codec.decode(encoded))
        return codec.decode(codec.encode(reply, strict=True))     # plain data back, or CodecError


# ------------------------------------------------------------------------------ grading.yml settings
def test_settings_are_validated_and_reach_the_tests(tmp_path):
    assignment = get_assignment(NAME, ROOT / "grading.yml")
    assert assignment.question("feature_extractor_config").settings == {"min_test_accuracy": 0.75}
    assert assignment.question("freeze_backbone").settings == {}
    data = yaml.safe_load((ROOT / "grading.yml").read_text())
    data["assignments"][NAME]["questions"][-1]["settings"] = {"min_test_accuracy": [0.8]}
    bad = tmp_path / "grading.yml"
    bad.write_text(yaml.safe_dump(data))
    (tmp_path / "source").symlink_to(ROOT / "source")
    with pytest.raises(ConfigError, match="settings"):
        load_grading(bad)


def test_limits_allow_torch():
    limits = get_assignment(NAME, ROOT / "grading.yml").limits
    assert limits.memory_mb >= 4096 and limits.call_timeout_s > _e2e.BUDGET_S + 2


# ------------------------------------------------------------------------------ harness: plain data only
def test_every_harness_reply_is_plain_data():
    student = FakeStudent(_namespace())
    x, y = C.target("train")
    fe = C.flags(C.tl_model.CHANNELS, features=False)
    student.harness("tl_harness:check_freeze_backbone", C.PRETRAINED)
    student.harness("tl_harness:check_unfreeze_last_block", dict(C.PRETRAINED, trainable=fe))
    student.harness("tl_harness:check_count_trainable_parameters", dict(C.PRETRAINED, trainable=fe))
    student.harness("tl_harness:check_replace_classifier", C.PRETRAINED, 5, np.zeros((2, 1, 12, 12), np.float32))
    student.harness("tl_harness:check_make_optimizer", dict(C.PRETRAINED, trainable=fe), 0.01)
    student.harness("tl_harness:check_train_one_epoch", dict(C.PRETRAINED, trainable=fe), x[:8], y[:8], 4, 0.1,
                    ["classifier.weight", "classifier.bias"])
    student.harness("tl_harness:check_evaluate", dict(C.PRETRAINED, dropout=0.5), x[:8], y[:8], 4)
    assert student.harness("tl_harness:get_config", "FINE_TUNE_CONFIG") == \
        {"defined": True, "type": "dict", "value": ref.FINE_TUNE_CONFIG}
    assert student.harness("tl_harness:get_config", "NOPE") == {"defined": False}


def test_harness_describes_odd_returns_without_leaking_objects():
    weird = _namespace(count_trainable_parameters=lambda model: torch.ones(3, 3),
                       freeze_backbone=lambda model: model.features)
    student = FakeStudent(weird)
    reply = student.harness("tl_harness:check_count_trainable_parameters", C.PRETRAINED)
    assert isinstance(reply["returned"]["value"], torch.Tensor)
    reply = student.harness("tl_harness:check_freeze_backbone", C.PRETRAINED)
    assert reply["returned"] == {"kind": "other_module", "type": "Sequential"}


# ------------------------------------------------------------------------------ end to end
def test_the_worker_never_sees_the_test_split():
    student = FakeStudent(_namespace())
    stages = [{"mode": "feature_extractor", "config": dict(ref.FEATURE_EXTRACTOR_CONFIG)},
              {"mode": "fine_tune", "config": dict(ref.FINE_TUNE_CONFIG)}]
    _e2e.grade(student, ref, harness="tl_harness:run_fine_tuning", name="FINE_TUNE_CONFIG",
               cfg=dict(ref.FINE_TUNE_CONFIG), stages=stages, frozen_blocks={0, 1}, trained_block=2, threshold=0.8)
    x_test, _ = C.target("test")
    arrays = []

    def walk(value):
        if isinstance(value, np.ndarray):
            arrays.append(value)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v)
    walk(student.sent)
    assert arrays and all(a.shape[0] <= 50 for a in arrays if a.ndim == 4)
    assert not any(a.size >= 100 and a.dtype.kind in "iu" for a in arrays)   # no label vector of the test split
    test_rows = {x_test[i].tobytes() for i in range(len(x_test))}
    assert not any(row.tobytes() in test_rows for a in arrays if a.ndim == 4 for row in a)


def test_a_broken_function_is_not_blamed_on_the_settings():
    """Student functions that never train: the settings are judged with the reference functions."""
    student = FakeStudent(_namespace(train_one_epoch=lambda model, loader, optimizer, loss_fn: 0.0))
    cfg = dict(ref.FEATURE_EXTRACTOR_CONFIG)
    _e2e.grade(student, ref, harness="tl_harness:run_feature_extractor", name="FEATURE_EXTRACTOR_CONFIG", cfg=cfg,
               stages=[{"mode": "feature_extractor", "config": cfg}], frozen_blocks={0, 1, 2},
               trained_block=None, threshold=0.75)


def test_bad_settings_fail_with_numbers():
    cfg = {"lr": 1e-5, "epochs": 2, "batch_size": 10}
    student = FakeStudent(_namespace())
    with pytest.raises(AssertionError) as info:
        _e2e.grade(student, ref, harness="tl_harness:run_feature_extractor", name="FEATURE_EXTRACTOR_CONFIG",
                   cfg=cfg, stages=[{"mode": "feature_extractor", "config": cfg}], frozen_blocks={0, 1, 2},
                   trained_block=None, threshold=0.75)
    assert "test accuracy" in info.value.en and "테스트 정확도" in info.value.ko and "Hint" in info.value.en


@pytest.mark.parametrize("value, ok", [
    ({"type": "dict", "value": {"lr": 0.01, "epochs": 30, "batch_size": 10}}, True),
    ({"type": "dict", "value": {"lr": 1, "epochs": 1, "batch_size": 1000}}, True),
    ({"type": "dict", "value": {"lr": 0.01, "epochs": 30}}, False),
    ({"type": "dict", "value": {"lr": 0.01, "epochs": 30, "batch_size": 10, "momentum": 0.9}}, False),
    ({"type": "dict", "value": {"lr": "0.01", "epochs": 30, "batch_size": 10}}, False),
    ({"type": "dict", "value": {"lr": float("nan"), "epochs": 30, "batch_size": 10}}, False),
    ({"type": "dict", "value": {"lr": 0.01, "epochs": True, "batch_size": 10}}, False),
    ({"type": "dict", "value": {"lr": 0.01, "epochs": 1000, "batch_size": 10}}, False),
    ({"type": "list"}, False),
])
def test_settings_validation(value, ok):
    config, problems = C.valid_config(dict(value, defined=True))
    assert (config is not None) == ok and bool(problems) != ok
    for en, ko in problems:
        assert en and ko


def test_reference_reaches_the_thresholds_with_margin_and_scratch_does_not():
    """The numbers quoted in the notebook and in grading.yml (test split, grader's seed)."""
    assignment = get_assignment(NAME, ROOT / "grading.yml")
    fe_needed = assignment.question("feature_extractor_config").settings["min_test_accuracy"]
    ft_needed = assignment.question("fine_tune_config").settings["min_test_accuracy"]
    x_test, y_test = C.target("test")
    fe = C.reference_run(ref, _e2e.plan([{"mode": "feature_extractor", "config": dict(ref.FEATURE_EXTRACTOR_CONFIG)}]))
    ft = C.reference_run(ref, _e2e.plan([{"mode": "feature_extractor", "config": dict(ref.FEATURE_EXTRACTOR_CONFIG)},
                                         {"mode": "fine_tune", "config": dict(ref.FINE_TUNE_CONFIG)}]))
    fe_acc = C.accuracy_of(ref, fe["model"]["state"], x_test, y_test)
    ft_acc = C.accuracy_of(ref, ft["model"]["state"], x_test, y_test)
    with C.single_thread():
        torch.manual_seed(0)
        scratch = C.tl_model.DigitCNN(num_classes=5)
        optimizer = ref.make_optimizer(scratch, 3e-3)
        x, y = C.target("train")
        loader = C.tl_data.make_loader(x, y, 10, shuffle=True, seed=0)
        for _ in range(100):
            ref.train_one_epoch(scratch, loader, optimizer, torch.nn.CrossEntropyLoss())
    scratch_acc = C.accuracy_of(ref, C.state_of(scratch), x_test, y_test)
    print(f"test accuracy: feature extractor {fe_acc:.3f}, fine-tuning {ft_acc:.3f}, from scratch {scratch_acc:.3f}")
    assert fe_acc >= fe_needed + 0.05 and ft_acc >= ft_needed + 0.05
    assert scratch_acc < fe_needed < fe_acc
