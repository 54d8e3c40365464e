"""Visible checks for the transfer-learning assignment / 과제 확인 함수.

Each ``check_<name>(<name>)`` runs your function on a few small cases built
from the shipped pretrained network, prints one ✓ line per case that passes
and raises ``AssertionError`` at the first one that does not, saying what was
checked, what was expected and what came back, with a hint when the mistake
is a known one.  The expected numbers of ``train_one_epoch`` and ``evaluate``
were computed once with a correct solution and are stored below.  Passing
these checks does not guarantee full marks: the grader runs many more tests.

Language: ``TL_CHECKS_LANG`` (``en`` or ``ko``) if set, else ``AUTOGRADER_LANG``
(set by the grader), else
``check_settings.json`` next to this file, else English.
"""
from __future__ import annotations

import importlib.util
import json
import math
import os
from pathlib import Path

import numpy as np
import torch
from torch import nn

import tl_data
import tl_model

__all__ = [
    "check_freeze_backbone", "check_replace_classifier", "check_count_trainable_parameters",
    "check_make_optimizer", "check_train_one_epoch", "check_evaluate", "check_unfreeze_last_block",
    "check_feature_extractor_config", "check_fine_tune_config",
]

_HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("_tl_check_messages", _HERE / "_tl_check_messages.py")
_messages = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_messages)
MESSAGES = _messages.MESSAGES

#: Validation accuracy the check cells ask for; the grader asks the same on its test split
#: (grading.yml: min_test_accuracy of feature_extractor_config / fine_tune_config).
MIN_ACCURACY = {"feature_extractor": 0.75, "fine_tune": 0.80}

DEEP = (8, 16, 24, 32)
NARROW = (8, 16, 24)

# Stored results of a correct solution (see tests/test_assignments/test_transfer_checks.py, which recomputes them).
# train_one_epoch: pretrained network, base frozen, 20 target training images in batches of 8, 8, 4,
# torch.optim.SGD(model.classifier.parameters(), lr=0.1), nn.CrossEntropyLoss().  "head" is
# _head_summary() of the classifier after the epoch (row sums of the weight, then the bias).
TRAIN_EXPECTED = {
    "loss": 5.0983580350875854,
    "head": [-12.093606609851122, 2.641072523357707, -3.825305777019821, 0.4286948898807168, -5.088922104783705]
          + [0.08404383063316345, -0.29622864723205566, 0.16038532555103302, -0.16148844361305237, 0.12206101417541504],
    # known mistakes: no zero_grad at all / the mean of the batch losses
    "no_zero_grad_head": [-12.933023162186146, 3.5498189791537698, -2.3094819870311767, -1.7384535577730276, -4.506927669499419]
                       + [0.06690147519111633, -0.27476879954338074, 0.19746597111225128, -0.19300736486911774, 0.11218178272247314],
    "batch_mean_loss": 4.512624224026998,
}
# evaluate: correct predictions of the pretrained network
EVALUATE_EXPECTED = {"source_test_correct": 178, "source_test_total": 180,
                     "uneven_correct": 49, "uneven_total": 50, "uneven_batch_mean": 0.984375}
COUNTS = {"all": 93317, "feature_extractor": 645, "fine_tune": 74501}


def _language() -> str:
    # The report language the grader was asked for (`check --lang`) wins over the release default.
    lang = os.environ.get("TL_CHECKS_LANG") or os.environ.get("AUTOGRADER_LANG")
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


def _innermost_function(exc) -> str | None:
    tb, name = exc.__traceback__, None
    while tb is not None:
        name, tb = tb.tb_frame.f_code.co_name, tb.tb_next
    return name


def _names(names) -> str:
    names = list(names)
    return ", ".join(names[:5]) + (f" (+{len(names) - 5})" if len(names) > 5 else "")


class _Case:
    def __init__(self, func: str, case: str):
        self.func, self.case = func, case

    def fail(self, problem: str, hints=()):
        lines = [_t("header", func=self.func, case=_t("case." + self.case)), problem]
        for hint in dict.fromkeys(hints):
            lines.append(_t("hint", hint=_t("hint." + hint)))
        raise AssertionError("\n".join(lines))

    def call(self, fn, *args):
        try:
            return fn(*args)
        except NotImplementedError as exc:
            where = _innermost_function(exc) or self.func
            raise AssertionError(_t("not_implemented", func=self.func, where=where)) from None
        except Exception as exc:  # noqa: BLE001 - any mistake becomes a readable message
            self.fail(_t("raised", exc=f"{type(exc).__name__}: {exc}"))

    def passed(self):
        print(_t("passed", func=self.func, case=_t("case." + self.case)))


def _done(func: str):
    print(_t("all_passed", func=func))


def _pretrained(dropout: float = 0.0):
    model = tl_model.DigitCNN(dropout=dropout)
    model.load_state_dict(tl_model.load_pretrained().state_dict())
    return model


def _state(model):
    return {name: p.detach().clone() for name, p in model.named_parameters()}


def _set_trainable(model, trainable_prefixes):
    for name, param in model.named_parameters():
        param.requires_grad_(name.startswith(tuple(trainable_prefixes)))


def _last_block(model) -> str:
    return f"features.{max(int(n.split('.')[1]) for n, _ in model.named_parameters() if n.startswith('features.'))}."


def _returned(case, result, model):
    if result is not model:
        case.fail(_t("not_returned", got="None" if result is None else type(result).__name__), ["return_model"])


# ------------------------------------------------------------------------------ feature extractor
def check_freeze_backbone(freeze_backbone):
    func = "freeze_backbone"
    for key, make in (("pretrained", _pretrained), ("deep", lambda: tl_model.DigitCNN(channels=DEEP))):
        case = _Case(func, key)
        model = make()
        before = _state(model)
        result = case.call(freeze_backbone, model)
        still = [n for n, p in model.named_parameters() if n.startswith("features.") and p.requires_grad]
        if still:
            hints = ["eval_not_freeze"] if not model.training else []
            case.fail(_t("still_trainable", names=_names(still)), hints + ["freeze_loop"])
        head = [n for n, p in model.named_parameters() if n.startswith("classifier.") and not p.requires_grad]
        if head:
            case.fail(_t("head_frozen", names=_names(head)), ["freeze_only_features"])
        changed = [n for n, p in model.named_parameters() if not torch.equal(p.detach(), before[n])]
        if changed:
            case.fail(_t("values_changed", names=_names(changed)))
        _returned(case, result, model)
        case.passed()
    _done(func)


def check_replace_classifier(replace_classifier):
    func = "replace_classifier"
    probe = torch.zeros(2, 1, tl_data.CANVAS, tl_data.CANVAS)
    cases = (("replace5", _pretrained, 128, 5), ("replace7", lambda: tl_model.DigitCNN(10, channels=NARROW), 24, 7))
    for key, make, in_features, num_classes in cases:
        case = _Case(func, key)
        model = make()
        _set_trainable(model, [])                  # everything frozen before: the new layer must be trainable
        old = model.classifier.weight.detach().clone()
        result = case.call(replace_classifier, model, num_classes)
        head = model.classifier
        if not isinstance(head, nn.Linear):
            case.fail(_t("not_linear", got=type(head).__name__), ["single_linear"])
        if (head.in_features, head.out_features) != (in_features, num_classes):
            hints = (["in_features"] if head.in_features != in_features else []) + \
                    (["out_features"] if head.out_features != num_classes else [])
            case.fail(_t("linear_shape", got_in=head.in_features, got_out=head.out_features,
                         in_features=in_features, out_features=num_classes), hints)
        frozen = [f"classifier.{n}" for n, p in head.named_parameters() if not p.requires_grad]
        if frozen:
            case.fail(_t("head_not_trainable", names=_names(frozen)), ["fresh"])
        if head.weight.shape == old.shape and torch.equal(head.weight.detach(), old):
            case.fail(_t("head_not_fresh"), ["fresh"])
        try:
            with torch.no_grad():
                shape = tuple(model(probe).shape)
        except Exception as exc:  # noqa: BLE001
            case.fail(_t("forward_failed", error=f"{type(exc).__name__}: {exc}"))
        if shape != (2, num_classes):
            case.fail(_t("forward_failed", error=f"output shape {shape}"))
        _returned(case, result, model)
        case.passed()
    _done(func)


def check_count_trainable_parameters(count_trainable_parameters):
    func = "count_trainable_parameters"
    setups = (("count_all", ["features.", "classifier."], "all"), ("count_fe", ["classifier."], "feature_extractor"),
              ("count_ft", ["classifier.", "features.2."], "fine_tune"))
    value = None
    for key, prefixes, expected_key in setups:
        case = _Case(func, key)
        model = _pretrained()
        _set_trainable(model, prefixes)
        value = case.call(count_trainable_parameters, model)
        expected = COUNTS[expected_key]
        number = value.item() if isinstance(value, torch.Tensor) and value.numel() == 1 else value
        if isinstance(number, bool) or not isinstance(number, (int, float, np.integer, np.floating)) or number != expected:
            hints = []
            if number == COUNTS["all"]:
                hints.append("count_all")
            if number == sum(1 for p in model.parameters() if p.requires_grad):
                hints.append("count_tensors")
            case.fail(_t("wrong_count", expected=expected, got=repr(value)), hints)
        case.passed()
    case = _Case(func, "count_type")
    if not (type(value) is int or isinstance(value, np.integer)):
        case.fail(_t("not_int", got=type(value).__name__), ["count_int"])
    case.passed()
    _done(func)


def check_make_optimizer(make_optimizer):
    func = "make_optimizer"
    for key, prefixes, lr in (("opt_fe", ["classifier."], 0.01), ("opt_ft", ["classifier.", "features.2."], 0.001)):
        case = _Case(func, key)
        model = _pretrained()
        _set_trainable(model, prefixes)
        optimizer = case.call(make_optimizer, model, lr)
        if not isinstance(optimizer, torch.optim.Optimizer):
            case.fail(_t("not_optimizer", got=type(optimizer).__name__), ["opt_filter"])
        held = {id(p) for group in optimizer.param_groups for p in group["params"]}
        trainable = {id(p) for p in model.parameters() if p.requires_grad}
        frozen = {id(p) for p in model.parameters() if not p.requires_grad}
        if held & frozen:
            case.fail(_t("optimizer_frozen", n=len(held & frozen)), ["opt_filter"])
        if trainable - held:
            case.fail(_t("optimizer_missing", n=len(trainable - held)),
                      ["opt_classifier_only"] if key == "opt_ft" else ["opt_filter"])
        rates = sorted({group["lr"] for group in optimizer.param_groups})
        if rates != [lr]:
            case.fail(_t("optimizer_lr", got=rates, expected=lr), ["opt_lr"])
        case.passed()
    _done(func)


def _train_setup(stale: bool):
    model = _pretrained()
    _set_trainable(model, ["classifier."])
    if stale:
        for param in model.classifier.parameters():
            param.grad = torch.ones_like(param)
    model.eval()                                      # train_one_epoch must switch it back
    x, y = tl_data.load_target("train")
    loader = tl_data.make_loader(x[:20], y[:20], batch_size=8)
    optimizer = torch.optim.SGD(model.classifier.parameters(), lr=0.1)
    return model, loader, optimizer


def _close(a, b, tol=1e-4):
    return a is not None and abs(a - b) <= tol * max(1.0, abs(b))


def _fmt(values) -> str:
    return "[" + ", ".join(f"{v:.4f}" for v in values[:5]) + ", ...]"


def _head_summary(model) -> list:
    """Row sums of the classifier's weight, then its bias (10 numbers for 5 classes)."""
    weight, bias = model.classifier.weight.detach().double(), model.classifier.bias.detach().double()
    return [float(v) for v in weight.sum(dim=1)] + [float(v) for v in bias]


def _same_head(got, expected) -> bool:
    return len(got) == len(expected) and all(_close(a, b) for a, b in zip(got, expected))


def check_train_one_epoch(train_one_epoch):
    func = "train_one_epoch"
    exp = TRAIN_EXPECTED
    # 1) one epoch, losses and weights
    case = _Case(func, "train_step")
    model, loader, optimizer = _train_setup(stale=False)
    before = _state(model)
    modes = []
    hook = model.register_forward_pre_hook(lambda module, args: modes.append(module.training))
    try:
        value = case.call(train_one_epoch, model, loader, optimizer, nn.CrossEntropyLoss())
    finally:
        hook.remove()
    moved = [n for n, p in model.named_parameters() if n.startswith("features.") and not torch.equal(p.detach(), before[n])]
    if moved:
        case.fail(_t("frozen_moved"))
    if torch.equal(model.classifier.weight.detach(), before["classifier.weight"]):
        case.fail(_t("weights_unchanged"), ["step"])
    head = _head_summary(model)
    if not _same_head(head, exp["head"]):
        hints = ["zero_grad"] if _same_head(head, exp["no_zero_grad_head"]) else []
        case.fail(_t("wrong_weights", got=_fmt(head), expected=_fmt(exp["head"])), hints)
    number = float(value.item()) if isinstance(value, torch.Tensor) and value.numel() == 1 else value
    if not isinstance(number, (int, float, np.floating)) or isinstance(number, bool) or not _close(float(number), exp["loss"]):
        hints = ["batch_mean"] if isinstance(number, (int, float, np.floating)) and _close(float(number), exp["batch_mean_loss"]) else []
        case.fail(_t("wrong_loss", got=repr(value), expected=f"{exp['loss']:.6f}"), hints)
    if not isinstance(value, (float, np.floating)):
        case.fail(_t("not_float", got=type(value).__name__), ["item"])
    case.passed()
    # 2) the model is put in training mode
    case = _Case(func, "train_mode")
    if not modes or not all(modes):
        case.fail(_t("eval_mode_training"), ["train_mode"])
    case.passed()
    # 3) leftover gradients
    case = _Case(func, "train_stale")
    model, loader, optimizer = _train_setup(stale=True)
    case.call(train_one_epoch, model, loader, optimizer, nn.CrossEntropyLoss())
    head = _head_summary(model)
    if not _same_head(head, exp["head"]):
        case.fail(_t("wrong_weights", got=_fmt(head), expected=_fmt(exp["head"])), ["zero_grad_first"])
    case.passed()
    _done(func)


def check_evaluate(evaluate):
    func = "evaluate"
    exp = EVALUATE_EXPECTED
    x, y = tl_data.load_source("test")
    # 1) accuracy, no graph
    case = _Case(func, "eval_acc")
    model = _pretrained()
    grad_flags = []
    hook = model.register_forward_pre_hook(lambda module, args: grad_flags.append(torch.is_grad_enabled()))
    try:
        value = case.call(evaluate, model, tl_data.make_loader(x, y, batch_size=64))
    finally:
        hook.remove()
    expected = exp["source_test_correct"] / exp["source_test_total"]
    _check_accuracy(case, value, expected)
    case.passed()
    case = _Case(func, "eval_nograd")
    if any(grad_flags):
        case.fail(_t("grad_enabled"), ["no_grad"])
    case.passed()
    # 2) dropout: evaluate must switch the model to evaluation mode
    case = _Case(func, "eval_dropout")
    model = _pretrained(dropout=0.9)
    model.train()
    modes = []
    hook = model.register_forward_pre_hook(lambda module, args: modes.append(module.training))
    try:
        value = case.call(evaluate, model, tl_data.make_loader(x, y, batch_size=64))
    finally:
        hook.remove()
    if any(modes):
        case.fail(_t("train_mode_eval"), ["eval_mode"])
    _check_accuracy(case, value, expected)
    case.passed()
    # 3) uneven last batch
    case = _Case(func, "eval_uneven")
    value = case.call(evaluate, _pretrained(), tl_data.make_loader(x[-50:], y[-50:], batch_size=16))
    expected = exp["uneven_correct"] / exp["uneven_total"]
    _check_accuracy(case, value, expected, batch_mean=exp["uneven_batch_mean"])
    case.passed()
    _done(func)


def _check_accuracy(case, value, expected, batch_mean=None):
    number = float(value.item()) if isinstance(value, torch.Tensor) and value.numel() == 1 else value
    ok_number = isinstance(number, (int, float, np.floating)) and not isinstance(number, bool)
    if not ok_number or abs(float(number) - expected) > 1e-6:
        hints = []
        if ok_number and abs(float(number) - 100 * expected) < 1e-4:
            hints.append("percent")
        if ok_number and batch_mean is not None and abs(float(number) - batch_mean) < 1e-6:
            hints.append("acc_batch_mean")
        case.fail(_t("wrong_accuracy", got=repr(value), expected=f"{expected:.6f}"), hints)
    if not isinstance(value, (float, np.floating)):
        case.fail(_t("not_float", got=type(value).__name__), ["acc_float"])


# ------------------------------------------------------------------------------ fine-tuning
def check_unfreeze_last_block(unfreeze_last_block):
    func = "unfreeze_last_block"
    for key, make in (("unfreeze", _pretrained), ("unfreeze_deep", lambda: tl_model.DigitCNN(channels=DEEP))):
        case = _Case(func, key)
        model = make()
        _set_trainable(model, ["classifier."])
        last = _last_block(model)
        result = case.call(unfreeze_last_block, model)
        flags = {n: p.requires_grad for n, p in model.named_parameters()}
        not_unfrozen = [n for n, f in flags.items() if n.startswith(last) and not f]
        early = [n for n, f in flags.items() if n.startswith("features.") and not n.startswith(last) and f]
        head = [n for n, f in flags.items() if n.startswith("classifier.") and not f]
        if early:
            case.fail(_t("wrong_unfrozen", got=True, names=_names(early), expected=False),
                      ["last_child"] if not_unfrozen else ["unfreeze_all"])
        if not_unfrozen:
            case.fail(_t("wrong_unfrozen", got=False, names=_names(not_unfrozen), expected=True), ["last_child"])
        if head:
            case.fail(_t("wrong_unfrozen", got=False, names=_names(head), expected=True), ["unfreeze_head"])
        _returned(case, result, model)
        case.passed()
    _done(func)


# ------------------------------------------------------------------------------ settings
def _check_config(func: str, name: str, config):
    case = _Case(func, "config")
    if not isinstance(config, dict):
        case.fail(_t("config_type", name=name, got=type(config).__name__))
    if set(config) != {"lr", "epochs", "batch_size"}:
        case.fail(_t("config_keys", name=name, keys=sorted(map(str, config))))
    lr, epochs, batch = config["lr"], config["epochs"], config["batch_size"]
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not (math.isfinite(lr) and 0 < lr <= 1):
        case.fail(_t("config_lr", got=lr))
    if type(epochs) is not int or not 1 <= epochs <= 200:
        case.fail(_t("config_epochs", got=epochs))
    if type(batch) is not int or not 1 <= batch <= 1000:
        case.fail(_t("config_batch", got=batch))
    case.passed()


def _check_history(func: str, history, needed: float):
    case = _Case(func, "history")
    accuracies = history.get("val_accuracy") if isinstance(history, dict) else None
    if not accuracies:
        case.fail(_t("history_missing"))
    final = float(accuracies[-1])
    if final < needed:
        case.fail(_t("val_low", got=final, needed=needed), ["more_training"])
    print(_t("val_ok", got=final, needed=needed).strip())
    case.passed()


def check_feature_extractor_config(config, history=None):
    func = "FEATURE_EXTRACTOR_CONFIG"
    _check_config(func, func, config)
    _check_history(func, history, MIN_ACCURACY["feature_extractor"])
    _done(func)


def check_fine_tune_config(config, history=None, feature_extractor_config=None):
    func = "FINE_TUNE_CONFIG"
    _check_config(func, func, config)
    if isinstance(feature_extractor_config, dict) and isinstance(feature_extractor_config.get("lr"), (int, float)) \
            and config["lr"] >= feature_extractor_config["lr"]:
        print(_t("ft_lr_note", ft=config["lr"], fe=feature_extractor_config["lr"]).strip())
    _check_history(func, history, MIN_ACCURACY["fine_tune"])
    _done(func)
