"""Grading scaffolding of the "inside a CNN" assignment / 채점용 보조 코드.

You do not need this module.  The grader runs your notebook in a separate,
sandboxed process and cannot send a PyTorch model there (only plain data
crosses).  For the two functions that take a model, it calls the functions
below *in that process*: each builds a model from a plain description, calls
**one** of your functions on it and describes what happened as plain data
(arrays, flags, counts).  Every comparison is made by the grader, and nothing
here implements a graded function.

이 모듈은 여러분에게 필요 없습니다. 채점기는 노트북을 격리된 별도 프로세스에서
실행하며 그곳에 PyTorch 모델을 보낼 수 없습니다. 그래서 모델을 인자로 받는 두
함수는 아래 함수를 그 프로세스 안에서 호출해 확인합니다. 각 함수는 받은 설명으로
모델을 만들고, 여러분의 함수 **하나**를 호출한 뒤, 결과를 단순한 데이터로
돌려줍니다. 비교는 모두 채점기가 합니다.

A model *spec* is either ``{"digit": k}`` (the first ``k`` blocks of the
pretrained ``DigitCNN``'s ``features``; ``k = 0`` for the whole network) or
``{"stack": [[kind, ...], ...], "seed": s, "positive": bool}`` with layers
``["conv", c_in, c_out, k, stride, pad]``, ``["relu"]``, ``["maxpool", k, s]``,
``["avgpool", k, s]``; ``"training": bool`` sets the mode (default eval).
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

import tl_model

__all__ = ["build_model", "check_collect_activations", "check_unit_input_gradient"]

_MISSING = object()
MAX_ELEMENTS = 200_000


def _student(namespace, name):
    function = namespace.get(name, _MISSING)
    if function is _MISSING or not callable(function):
        raise NameError(f"{name} is not defined in the notebook (was its cell run without errors?)")
    return function


def build_model(spec) -> nn.Module:
    spec = dict(spec or {})
    if "digit" in spec:
        model = tl_model.load_pretrained()
        blocks = int(spec["digit"])
        if blocks:
            model = model.features[:blocks]
    else:
        torch.manual_seed(int(spec.get("seed", 0)))
        layers = []
        for layer in spec.get("stack", []):
            kind, args = layer[0], [int(a) for a in layer[1:]]
            if kind == "conv":
                c_in, c_out, k, stride, pad = args
                layers.append(nn.Conv2d(c_in, c_out, k, stride=stride, padding=pad))
            elif kind == "relu":
                layers.append(nn.ReLU())
            elif kind == "maxpool":
                layers.append(nn.MaxPool2d(args[0], stride=args[1]))
            elif kind == "avgpool":
                layers.append(nn.AvgPool2d(args[0], stride=args[1]))
            else:
                raise ValueError(f"unknown layer {kind!r}")
        model = nn.Sequential(*layers)
        if spec.get("positive"):
            with torch.no_grad():
                for p in model.parameters():
                    p.abs_().add_(0.01)
    model.train(bool(spec.get("training", False)))
    return model


def _array(value):
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu()
        if value.numel() > MAX_ELEMENTS:
            return {"kind": "too_large", "shape": list(value.shape)}
        return value.numpy().copy() if value.dtype != torch.bfloat16 else value.float().numpy()
    if type(value) is np.ndarray:
        return value if value.size <= MAX_ELEMENTS else {"kind": "too_large", "shape": list(value.shape)}
    return {"kind": "other", "type": type(value).__name__}


def _hooks(model) -> int:
    return sum(len(m._forward_hooks) + len(getattr(m, "_forward_pre_hooks", {})) for m in model.modules())


def check_collect_activations(namespace, model_spec, layer_names, x, wrong_input=False):
    """Call collect_activations on a fresh model; describe the result and the model afterwards."""
    function = _student(namespace, "collect_activations")
    model = build_model(model_spec)
    images = torch.as_tensor(np.asarray(x, dtype=np.float32))
    if wrong_input:                       # a batch the first convolution refuses: the forward pass raises
        images = images.repeat(1, 2, 1, 1)
    out = {"raised": None, "returned": None}
    try:
        value = function(model, list(layer_names), images)
        if isinstance(value, dict):
            out["returned"] = {"kind": "dict", "items": {str(k): _array(v) for k, v in list(value.items())[:50]},
                               "requires_grad": sorted(str(k) for k, v in value.items()
                                                       if isinstance(v, torch.Tensor) and v.requires_grad)}
        else:
            out["returned"] = {"kind": "none" if value is None else type(value).__name__}
    except NotImplementedError:
        raise                             # the grader reports an unfinished function as such
    except Exception as exc:  # noqa: BLE001 - the grader judges what the student's code raised
        out["raised"] = type(exc).__name__
    out["hooks_left"] = _hooks(model)
    out["training"] = bool(model.training)
    return out


def check_unit_input_gradient(namespace, model_spec, x, channel, row, col):
    """Call unit_input_gradient on a fresh model and input; return the gradient and whether x changed."""
    function = _student(namespace, "unit_input_gradient")
    model = build_model(model_spec)
    images = torch.as_tensor(np.asarray(x, dtype=np.float32))
    before = images.clone()
    value = function(model, images, int(channel), int(row), int(col))
    return {"returned": _array(value) if isinstance(value, (torch.Tensor, np.ndarray)) else
            {"kind": "none" if value is None else type(value).__name__},
            "x_changed": bool(images.shape != before.shape or not torch.equal(images.detach(), before)),
            "x_requires_grad": bool(images.requires_grad)}
