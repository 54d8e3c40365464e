"""Shared helpers of the transfer_learning hidden suites (trusted grader side only).

* the assignment's own modules (``tl_data``, ``tl_model``, ``tl_harness``),
  loaded from ``source/transfer_learning/`` so that the grader builds exactly
  the models the worker builds (``tl_harness.build_model``);
* model specs and requires_grad maps (plain data sent to the worker);
* comparisons of what the worker describes (flags, tensors) with what the
  reference functions do here, in the grader, on an identical model;
* the end-to-end pipeline with the reference functions, used to tell a
  settings problem from a broken function.

Nothing here is ever sent to a student worker.
"""
from __future__ import annotations

import contextlib
import functools
import importlib.util
import math
import sys
from pathlib import Path

import numpy as np
import torch
from torch import nn

from autograder.checks import check, fail
from autograder.codec import Unsupported

SOURCE = Path(__file__).resolve().parents[1]


def _load(name: str):
    module = sys.modules.get(name)
    if module is not None and Path(getattr(module, "__file__", "")).resolve().parent == SOURCE:
        return module
    spec = importlib.util.spec_from_file_location(name, SOURCE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # tl_harness imports tl_data and tl_model by name
    spec.loader.exec_module(module)
    return module


tl_data = _load("tl_data")
tl_model = _load("tl_model")
tl_harness = _load("tl_harness")

PRETRAINED = dict(channels=list(tl_model.CHANNELS), num_classes=tl_model.SOURCE_CLASSES, pretrained=True)
DEEP = [8, 16, 24, 32]            # a four-block backbone: no hard-coded index or width
NARROW = [8, 16, 24]              # a narrower backbone: in_features 24, not 128


@contextlib.contextmanager
def single_thread():
    """Reference computations use one thread, like the worker (tiny models: also the fastest)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


# ------------------------------------------------------------------------------ specs and names
def parameter_names(channels=tl_model.CHANNELS) -> list[str]:
    return [name for name, _ in tl_model.DigitCNN(channels=tuple(channels)).named_parameters()]


def block_of(name: str) -> int | None:
    """features.<i>.* -> i; None for the classifier."""
    parts = name.split(".")
    return int(parts[1]) if parts[0] == "features" else None


def flags(channels, *, features=True, last_block=None, classifier=True) -> dict[str, bool]:
    """requires_grad per parameter: ``features`` for the base (``last_block`` overrides its last block)."""
    names = parameter_names(channels)
    last = max(b for b in map(block_of, names) if b is not None)
    out = {}
    for name in names:
        block = block_of(name)
        if block is None:
            out[name] = classifier
        elif block == last and last_block is not None:
            out[name] = last_block
        else:
            out[name] = features
    return out


def spec(channels=tl_model.CHANNELS, **kw) -> dict:
    base = dict(channels=list(channels), num_classes=5, seed=0)
    base.update(kw)
    return base


@functools.lru_cache(maxsize=1)
def _pretrained_state_cached():
    return {k: v.detach().clone() for k, v in tl_model.load_pretrained().state_dict().items()}


def pretrained_state() -> dict:
    return {k: v.clone() for k, v in _pretrained_state_cached().items()}


def build(model_spec) -> nn.Module:
    """The model the worker builds from ``model_spec`` (same code)."""
    return tl_harness.build_model(model_spec)


def state_of(model) -> dict:
    return {name: p.detach().clone() for name, p in model.named_parameters()}


# ------------------------------------------------------------------------------ data
@functools.lru_cache(maxsize=None)
def _target(split: str):
    return tl_data._split("target", split)


def target(split: str):
    x, y = _target(split)
    return x.copy(), y.copy()


@functools.lru_cache(maxsize=None)
def _source_test():
    return tl_data.load_source("test")


def source_test():
    x, y = _source_test()
    return x.copy(), y.copy()


# ------------------------------------------------------------------------------ checking worker replies
def what(en: str, ko: str):
    return (en, ko)


def expect_dict(reply, keys, func: str) -> dict:
    """The harness reply must be a dict with ``keys`` (a broken reply means the student's code
    replaced or damaged the harness)."""
    if type(reply) is not dict or any(k not in reply for k in keys):
        fail(f"The grader could not read the outcome of {func}() (did the notebook change the shipped "
             f"module tl_harness or torch?).",
             f"{func}()의 결과를 채점기가 읽을 수 없습니다(노트북에서 배포된 모듈 tl_harness나 torch를 바꾸지 "
             f"않았나요?).")
    return reply


def forward_calls(reply) -> list[dict]:
    """The forward passes the harness recorded (mode, autograd, batch size); fails if there were none."""
    calls = [c for c in reply.get("calls") or [] if type(c) is dict] if type(reply.get("calls")) is list else []
    check(calls, "The model was never called on the batches of the loader.",
          "loader의 배치로 모델이 한 번도 호출되지 않았습니다.")
    return calls


def model_part(reply, func: str) -> dict:
    model = expect_dict(reply, ["model"], func)["model"]
    return expect_dict(model, ["trainable", "training", "classifier"], func)


def as_tensor(value):
    """Parameter values as the harness sends them (numpy arrays, tensors for dtypes numpy lacks) as a
    tensor; anything else unchanged (it then equals nothing)."""
    if type(value) is np.ndarray and value.dtype.kind in "biufc":
        return torch.from_numpy(value)
    return value


def wire(state: dict) -> dict:
    """Parameter values to send to the worker: numpy arrays (cheaper to send and read than tensors)."""
    return {name: tl_harness.as_array(value) for name, value in state.items()}


def tensors_equal(a, b) -> bool:
    a, b = as_tensor(a), as_tensor(b)
    return (isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor) and a.shape == b.shape
            and a.dtype == b.dtype and torch.equal(a, b))


def changed_names(before: dict, after: dict, names) -> list[str]:
    return [n for n in names if not tensors_equal(before.get(n), after.get(n))]


def tensors_close(a, b, rtol=1e-4, atol=1e-5) -> bool:
    a, b = as_tensor(a), as_tensor(b)
    return (isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor) and a.shape == b.shape
            and bool(torch.allclose(a.double(), b.double(), rtol=rtol, atol=atol)))


def returned_value(reply):
    """The plain value a function returned (None if it returned something else)."""
    ret = reply.get("returned") if type(reply) is dict else None
    if type(ret) is dict and ret.get("kind") == "value":
        return ret.get("value")
    return None


def returned_kind(reply) -> str:
    ret = reply.get("returned") if type(reply) is dict else None
    if type(ret) is not dict:
        return "?"
    if ret.get("kind") in ("other", "other_module"):
        return str(ret.get("type", "?"))
    return str(ret.get("kind"))


def describe_return(reply) -> tuple[str, str]:
    ret = reply.get("returned") if type(reply) is dict else None
    kind = ret.get("kind") if type(ret) is dict else None
    if kind == "none":
        return "None (no return statement?)", "None (return 문이 없나요?)"
    if kind == "model":
        return "the model", "모델"
    if kind == "value":
        value = ret.get("value")
        return f"{type(value).__name__} {short(value)}", f"{type(value).__name__} {short(value)}"
    return f"an object of type {returned_kind(reply)}", f"{returned_kind(reply)} 타입의 객체"


def short(value) -> str:
    if isinstance(value, torch.Tensor):
        return f"tensor({value.tolist() if value.numel() <= 4 else list(value.shape)})"
    if isinstance(value, Unsupported):
        return f"<{value.type_name}>"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def names_list(names) -> str:
    names = list(names)
    text = ", ".join(names[:6])
    return text + (f" (+{len(names) - 6} more)" if len(names) > 6 else "")


def as_number(value):
    """A Python/numpy real number or a one-element tensor as float; None otherwise."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    if isinstance(value, torch.Tensor) and value.numel() == 1 and not value.is_complex():
        return float(value.item())
    if isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind in "iuf":
        return float(value.reshape(()))
    return None


def is_python_float(value) -> bool:
    return isinstance(value, (float, np.floating)) and not isinstance(value, bool)


# ------------------------------------------------------------------------------ end to end
ALLOWED_OPTIMIZERS = ("SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adamax", "NAdam", "RAdam", "Adadelta", "ASGD")
SAFE_HYPER = ("momentum", "dampening", "weight_decay", "nesterov", "betas", "eps", "amsgrad", "alpha",
              "centered", "lr_decay", "initial_accumulator_value", "rho", "maximize", "lambd", "t0",
              "momentum_decay", "decoupled_weight_decay")


def valid_config(value) -> tuple[dict | None, list[tuple[str, str]]]:
    """(config, problems) for a settings dictionary as described by tl_harness.get_config."""
    problems = []
    if type(value) is not dict or value.get("type") != "dict":
        return None, [("it must be a dictionary", "딕셔너리여야 합니다")]
    config = value.get("value") or {}
    expected = {"lr", "epochs", "batch_size"}
    missing, extra = expected - set(config), set(config) - expected
    if missing:
        problems.append((f"missing keys {sorted(missing)}", f"키 {sorted(missing)}가 없습니다"))
    if extra:
        problems.append((f"unknown keys {sorted(extra)} (only lr, epochs, batch_size)",
                         f"알 수 없는 키 {sorted(extra)} (lr, epochs, batch_size만 씁니다)"))
    lr, epochs, batch = config.get("lr"), config.get("epochs"), config.get("batch_size")
    if "lr" in config and not (isinstance(lr, (int, float)) and not isinstance(lr, bool)
                               and math.isfinite(lr) and 0 < lr <= 1):
        problems.append((f"lr must be a number with 0 < lr <= 1, got {lr!r}",
                         f"lr은 0 < lr <= 1인 숫자여야 하는데 {lr!r}입니다"))
    if "epochs" in config and not (type(epochs) is int and 1 <= epochs <= 200):
        problems.append((f"epochs must be an int from 1 to 200, got {epochs!r}",
                         f"epochs는 1~200의 정수여야 하는데 {epochs!r}입니다"))
    if "batch_size" in config and not (type(batch) is int and 1 <= batch <= 1000):
        problems.append((f"batch_size must be an int from 1 to 1000, got {batch!r}",
                         f"batch_size는 1~1000의 정수여야 하는데 {batch!r}입니다"))
    return (config if not problems else None), problems


def _optimizer_factory(ref, description):
    """make_optimizer with the reference's choice of parameters and the student's optimizer type."""
    desc = description if type(description) is dict else {}
    name = desc.get("type")
    groups = desc.get("groups") if type(desc.get("groups")) is list else []
    hyper = groups[0].get("hyper", {}) if groups and type(groups[0]) is dict else {}
    if not (desc.get("is_optimizer") and name in ALLOWED_OPTIMIZERS and hasattr(torch.optim, name)):
        return ref.make_optimizer
    kwargs = {k: v for k, v in (hyper if type(hyper) is dict else {}).items() if k in SAFE_HYPER
              and (type(v) in (bool, int, float) or (type(v) is tuple and all(type(x) in (int, float) for x in v)))}

    def make_optimizer(model, lr):
        trainable = [p for p in model.parameters() if p.requires_grad]
        try:
            return getattr(torch.optim, name)(trainable, lr=lr, **kwargs)
        except Exception:  # hyperparameters this optimizer does not take: plain version
            return ref.make_optimizer(model, lr)
    return make_optimizer


def reference_run(ref, plan, optimizer_descriptions=()) -> dict:
    """The end-to-end run of tl_harness with the reference functions (trusted, in the grader)."""
    namespace = {name: getattr(ref, name) for name in
                 ("freeze_backbone", "replace_classifier", "unfreeze_last_block", "train_one_epoch")}
    descriptions = list(optimizer_descriptions)
    calls = {"n": 0}

    def make_optimizer(model, lr):
        description = descriptions[calls["n"]] if calls["n"] < len(descriptions) else None
        calls["n"] += 1
        return _optimizer_factory(ref, description)(model, lr)
    namespace["make_optimizer"] = make_optimizer
    with single_thread():
        return tl_harness._run(namespace, plan)


def accuracy_of(ref, state, images, labels):
    """Test accuracy of the parameters ``state`` (a DigitCNN), computed here; None if unusable."""
    if type(state) is not dict:
        return None
    state = {name: as_tensor(value) for name, value in state.items()}
    if not all(isinstance(v, torch.Tensor) for v in state.values()):
        return None
    weight = state.get("classifier.weight")
    if not isinstance(weight, torch.Tensor) or weight.dim() != 2:
        return None
    model = tl_model.DigitCNN(num_classes=int(weight.shape[0]))
    try:
        model.load_state_dict(state)
    except (RuntimeError, KeyError, TypeError):
        return None
    if not all(torch.isfinite(p).all() for p in model.parameters()):
        return 0.0
    with single_thread():
        return float(ref.evaluate(model, tl_data.make_loader(images, labels, batch_size=256)))
