"""Grading scaffolding of the transfer-learning assignment / 채점용 보조 코드.

You do not need this module.  The grader runs your notebook in a separate,
sandboxed process and cannot send a PyTorch model there (only plain data
crosses: numbers, arrays, tensors, flags).  So it calls the functions below
*in that process*: each one builds a model from the plain data it is given,
calls **one** of your functions on it, and describes what happened as plain
data (``requires_grad`` flags, parameter tensors, numbers).  Every comparison
with the expected result is made by the grader, not here, and nothing here
implements a graded function.

이 모듈은 여러분에게 필요 없습니다. 채점기는 여러분의 노트북을 격리된 별도
프로세스에서 실행하며, 그곳에 PyTorch 모델을 보낼 수 없습니다(숫자, 배열,
텐서, 플래그 같은 단순한 데이터만 오갑니다). 그래서 아래 함수를 그 프로세스
안에서 호출합니다. 각 함수는 받은 데이터로 모델을 만들고, 여러분의 함수
**하나**를 호출한 뒤, 결과를 단순한 데이터로 돌려줍니다. 정답과의 비교는
모두 채점기가 하며, 여기에는 채점 대상 함수의 구현이 없습니다.

Every public function takes the notebook's namespace first (the grader passes
it).  Parameter values travel as numpy arrays (much cheaper to send and read
than tensors).  A *spec* describes the model to build::

    {"channels": [32, 64, 128], "num_classes": 5, "dropout": 0.0,
     "pretrained": True,              # load the shipped weights (default architecture only)
     "state": {name: array},          # or: exactly these parameter values (arrays or tensors)
     "seed": 0,                       # torch.manual_seed before building
     "trainable": {name: bool},       # requires_grad of these parameters
     "grads": {name: array},          # .grad of these parameters
     "training": False}               # model.train(False) / model.train(True)
"""
from __future__ import annotations

import time

import numpy as np
import torch
from torch import nn

import tl_data
import tl_model

__all__ = [
    "get_config", "check_freeze_backbone", "check_replace_classifier", "check_count_trainable_parameters",
    "check_make_optimizer", "check_train_one_epoch", "check_evaluate", "check_unfreeze_last_block",
    "describe_optimizer", "run_feature_extractor", "run_fine_tuning",
]

_MISSING = object()
MAX_VALUE_ELEMENTS = 1000


# ------------------------------------------------------------------------------ building blocks
def _student(namespace, name):
    function = namespace.get(name, _MISSING)
    if function is _MISSING or not callable(function):
        raise NameError(f"{name} is not defined in the notebook (was its cell run without errors?)")
    return function


def build_model(spec) -> nn.Module:
    spec = dict(spec or {})
    torch.manual_seed(int(spec.get("seed", 0)))
    model = tl_model.DigitCNN(num_classes=int(spec.get("num_classes", tl_model.SOURCE_CLASSES)),
                              channels=tuple(int(c) for c in spec.get("channels", tl_model.CHANNELS)),
                              dropout=float(spec.get("dropout", 0.0)))
    if spec.get("pretrained"):
        model.load_state_dict(tl_model.load_pretrained().state_dict())
    if spec.get("state") is not None:
        model.load_state_dict({name: torch.as_tensor(value) for name, value in spec["state"].items()})
    parameters = dict(model.named_parameters())
    for name, flag in (spec.get("trainable") or {}).items():
        parameters[name].requires_grad_(bool(flag))
    for name, grad in (spec.get("grads") or {}).items():
        parameters[name].grad = torch.as_tensor(grad).detach().clone().to(parameters[name].dtype)
    model.train(bool(spec.get("training", True)))
    return model


def _head(head) -> dict:
    info = {"type": type(head).__name__, "is_linear": isinstance(head, nn.Linear), "is_module": isinstance(head, nn.Module)}
    if isinstance(head, nn.Linear):
        info.update(in_features=int(head.in_features), out_features=int(head.out_features),
                    has_bias=head.bias is not None)
    if isinstance(head, nn.Module):
        info["parameters"] = {name: list(p.shape) for name, p in head.named_parameters()}
    return info


def as_array(tensor):
    """A tensor's values as a numpy array (a tensor if numpy has no such dtype, e.g. bfloat16)."""
    tensor = tensor.detach().cpu()
    try:
        return tensor.numpy().copy()
    except (TypeError, RuntimeError):
        return tensor.clone()


def describe_model(model, state: bool = True) -> dict:
    parameters = dict(model.named_parameters())
    out = {"trainable": {name: bool(p.requires_grad) for name, p in parameters.items()},
           "training": bool(model.training),
           "classifier": _head(getattr(model, "classifier", None))}
    if state:
        out["state"] = {name: as_array(p) for name, p in parameters.items()}
    return out


def _returned(value, model) -> dict:
    """What a student function returned, as plain data."""
    if value is model:
        return {"kind": "model"}
    if value is None:
        return {"kind": "none"}
    if isinstance(value, nn.Module):
        return {"kind": "other_module", "type": type(value).__name__}
    if isinstance(value, torch.Tensor):
        if value.numel() > MAX_VALUE_ELEMENTS:
            return {"kind": "other", "type": "Tensor"}
        return {"kind": "value", "value": value.detach().clone()}
    if isinstance(value, (bool, int, float, np.integer, np.floating, np.bool_)):
        return {"kind": "value", "value": value}
    if isinstance(value, np.ndarray) and value.size <= MAX_VALUE_ELEMENTS and value.dtype.kind in "biuf":
        return {"kind": "value", "value": value.copy()}
    return {"kind": "other", "type": type(value).__name__}


class _Recorder:
    """Forward pre-hook: how the model was called (mode, autograd on/off, batch size)."""

    def __init__(self, model):
        self.calls = []
        self.handle = model.register_forward_pre_hook(self)

    def __call__(self, module, args):
        x = args[0] if args else None
        if len(self.calls) < 10_000:
            self.calls.append({"training": bool(module.training), "grad_enabled": bool(torch.is_grad_enabled()),
                               "batch": int(x.shape[0]) if isinstance(x, torch.Tensor) and x.dim() else -1})

    def close(self):
        self.handle.remove()


def _describe_optimizer(optimizer, model) -> dict:
    names = {id(p): name for name, p in model.named_parameters()}
    out = {"is_optimizer": isinstance(optimizer, torch.optim.Optimizer), "type": type(optimizer).__name__,
           "module": type(optimizer).__module__}
    if not out["is_optimizer"]:
        return out
    groups = []
    for group in optimizer.param_groups:
        params = list(group.get("params", []))
        hyper = {}
        for key, value in group.items():
            if key == "params":
                continue
            if isinstance(value, (bool, int, float)) or (
                    isinstance(value, tuple) and all(isinstance(v, (int, float)) for v in value)):
                hyper[key] = value
            elif isinstance(value, torch.Tensor) and value.numel() == 1:
                hyper[key] = float(value.item())
        groups.append({"params": [names.get(id(p), "?") for p in params], "hyper": hyper})
    out["groups"] = groups
    return out


def _call_on_model(namespace, name, spec, *args, keep: bool = False) -> dict:
    model = build_model(spec)
    returned = _student(namespace, name)(model, *args)
    out = {"returned": _returned(returned, model), "model": describe_model(model)}
    if keep:
        out["_model"] = model
    return out


# ------------------------------------------------------------------------------ one function each
def get_config(namespace, name):
    """The settings dictionary ``name`` of the notebook ({"defined": False} if it does not exist)."""
    value = namespace.get(name, _MISSING)
    if value is _MISSING:
        return {"defined": False}
    if isinstance(value, dict):
        plain = {}
        for key, item in list(value.items())[:20]:
            if isinstance(item, torch.Tensor) and item.numel() == 1:
                item = item.item()
            if isinstance(item, (np.integer, np.floating)):
                item = item.item()
            plain[str(key)] = item if isinstance(item, (bool, int, float, str)) or item is None \
                else f"<{type(item).__name__}>"
        return {"defined": True, "type": "dict", "value": plain}
    return {"defined": True, "type": type(value).__name__}


def check_freeze_backbone(namespace, spec):
    return _call_on_model(namespace, "freeze_backbone", spec)


def check_unfreeze_last_block(namespace, spec):
    return _call_on_model(namespace, "unfreeze_last_block", spec)


def check_count_trainable_parameters(namespace, spec):
    return _call_on_model(namespace, "count_trainable_parameters", spec)


def check_replace_classifier(namespace, spec, num_classes, probe):
    """Also runs the model on ``probe`` images afterwards and reports the output shape."""
    out = _call_on_model(namespace, "replace_classifier", spec, num_classes, keep=True)
    model = out.pop("_model")
    try:
        with torch.no_grad():
            scores = model(torch.as_tensor(probe))
        out["output_shape"] = list(scores.shape)
    except Exception as exc:  # a broken classifier: say how
        out["output_error"] = f"{type(exc).__name__}: {exc}"[:300]
    return out


def check_make_optimizer(namespace, spec, lr):
    return describe_optimizer(namespace, spec, lr)


def describe_optimizer(namespace, spec, lr):
    """Calls make_optimizer(model, lr) and describes the optimizer: type, groups (names, lr, ...)."""
    model = build_model(spec)
    optimizer = _student(namespace, "make_optimizer")(model, lr)
    return {"optimizer": _describe_optimizer(optimizer, model), "model": describe_model(model, state=False)}


def check_train_one_epoch(namespace, spec, images, labels, batch_size, lr, optimized):
    """train_one_epoch(model, loader, optimizer, loss_fn) with the optimizer torch.optim.SGD(lr)
    over the parameters named in ``optimized`` and nn.CrossEntropyLoss()."""
    model = build_model(spec)
    parameters = dict(model.named_parameters())
    optimizer = torch.optim.SGD([parameters[name] for name in optimized], lr=float(lr))
    steps = [0]
    optimizer.register_step_post_hook(lambda *_: steps.__setitem__(0, steps[0] + 1))
    loader = tl_data.make_loader(images, labels, batch_size, shuffle=False)
    recorder = _Recorder(model)
    try:
        returned = _student(namespace, "train_one_epoch")(model, loader, optimizer, nn.CrossEntropyLoss())
    finally:
        recorder.close()
    return {"returned": _returned(returned, model), "model": describe_model(model),
            "calls": recorder.calls, "steps": steps[0]}


def check_evaluate(namespace, spec, images, labels, batch_size):
    model = build_model(spec)
    loader = tl_data.make_loader(images, labels, batch_size, shuffle=False)
    recorder = _Recorder(model)
    try:
        returned = _student(namespace, "evaluate")(model, loader)
    finally:
        recorder.close()
    return {"returned": _returned(returned, model), "model": describe_model(model), "calls": recorder.calls}


# ------------------------------------------------------------------------------ end to end
def _stage(namespace, model, mode, config, images, labels, seed, deadline, log):
    if mode == "feature_extractor":
        _student(namespace, "freeze_backbone")(model)
        _student(namespace, "replace_classifier")(model, int(log["num_classes"]))
    elif mode == "fine_tune":
        _student(namespace, "unfreeze_last_block")(model)
    else:
        raise ValueError(f"unknown stage {mode!r}")
    optimizer = _student(namespace, "make_optimizer")(model, config["lr"])
    log["optimizers"].append(_describe_optimizer(optimizer, model))
    loader = tl_data.make_loader(images, labels, config["batch_size"], shuffle=True, seed=seed)
    train_one_epoch = _student(namespace, "train_one_epoch")
    losses = []
    for _ in range(int(config["epochs"])):
        loss = train_one_epoch(model, loader, optimizer, nn.CrossEntropyLoss())
        losses.append(float(loss) if isinstance(loss, (int, float, np.floating)) else float("nan"))
        if time.monotonic() > deadline:
            log["stopped"] = True
            break
    log["losses"].append(losses)


def _run(namespace, plan):
    """Train with the student's functions; return the final parameters (the grader predicts)."""
    start = time.monotonic()
    deadline = start + float(plan["budget_s"])
    torch.manual_seed(int(plan["seed"]))
    model = tl_model.load_pretrained()
    images, labels = plan["images"], plan["labels"]
    log = {"num_classes": int(plan["num_classes"]), "optimizers": [], "losses": [], "stopped": False}
    for i, stage in enumerate(plan["stages"]):
        config = stage["config"]
        _stage(namespace, model, stage["mode"], config, images, labels, int(plan["seed"]) + i, deadline, log)
        if log["stopped"]:
            break
    log["seconds"] = time.monotonic() - start
    log["model"] = describe_model(model)
    return log


def run_feature_extractor(namespace, plan):
    return _run(namespace, plan)


def run_fine_tuning(namespace, plan):
    return _run(namespace, plan)
