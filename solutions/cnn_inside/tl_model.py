"""The small pretrained CNN of the transfer-learning assignment / 사전 훈련된 작은 CNN.

``DigitCNN`` has the two parts that every classification CNN has and that the
assignment relies on:

* ``features`` -- the convolutional base (합성곱 기반, 특성 추출기): an
  ``nn.Sequential`` of conv blocks, each block itself an
  ``nn.Sequential(Conv2d 3x3, ReLU, MaxPool2d 2)``, followed by global average
  pooling (``AdaptiveAvgPool2d(1)`` + ``Flatten``), which turns each channel's
  feature map into one number (instead of flattening every position);
* ``classifier`` -- one ``nn.Linear`` from those numbers to the class scores.

``load_pretrained()`` returns the network trained on the source task (digits
0-4, see ``tl_data``); its weights are ``PRETRAINED_FILE`` next to this module,
a ``state_dict`` read with ``torch.load(..., weights_only=True)``.  They were
produced by the instructor's script ``pretrain_backbone.py`` (fixed seed,
about 20 s on one CPU core; not shipped, since it contains a complete training
loop); ``PRETRAINED_INFO`` records its settings and the source-task test
accuracy it reached.
During pretraining a second, temporary head also had to tell how the digit
was rotated (0, 90, 180 or 270 degrees): a richer source task gives more
general features.  That head is not part of the model.
"""
from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import torch
from torch import nn

HERE = Path(__file__).resolve().parent
PRETRAINED_FILE = "digits_cnn_pretrained.pt"
INFO_FILE = "digits_cnn_pretrained.json"
CHANNELS = (32, 64, 128)
SOURCE_CLASSES = 5

__all__ = ["DigitCNN", "load_pretrained", "PRETRAINED_INFO", "CHANNELS", "SOURCE_CLASSES"]


class DigitCNN(nn.Module):
    """conv blocks -> global average pooling -> linear classifier.

    ``channels`` gives the number of filters of each block; ``dropout`` > 0
    adds an ``nn.Dropout`` at the end of ``features`` (off in the pretrained
    network).
    """

    def __init__(self, num_classes: int = SOURCE_CLASSES, channels=CHANNELS, dropout: float = 0.0,
                 in_channels: int = 1):
        super().__init__()
        blocks, previous = [], in_channels
        for width in channels:
            blocks.append(nn.Sequential(
                nn.Conv2d(previous, width, kernel_size=3, padding=1),
                nn.ReLU(),
                nn.MaxPool2d(kernel_size=2, ceil_mode=True),
            ))
            previous = width
        tail = [nn.AdaptiveAvgPool2d(1), nn.Flatten()]
        if dropout:
            tail.append(nn.Dropout(dropout))
        self.features = nn.Sequential(*blocks, *tail)
        self.classifier = nn.Linear(previous, num_classes)

    def forward(self, x):
        return self.classifier(self.features(x))


def load_pretrained(path=None) -> DigitCNN:
    """The network pretrained on digits 0-4 (a new object at every call)."""
    model = DigitCNN()
    state = torch.load(Path(path) if path else HERE / PRETRAINED_FILE, map_location="cpu", weights_only=True)
    model.load_state_dict(state)
    return model


def _info() -> dict:
    try:
        return json.loads((HERE / INFO_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


#: How the weights were made and the source-task test accuracy they reached.
PRETRAINED_INFO = _info()


# ------------------------------------------------------------------------------ speed only
def _optimizers_without_compiler_import() -> int:
    """Let ``torch.optim`` optimizers run without importing torch's compiler.

    Creating the first optimizer and every ``step()`` import ``torch._dynamo``
    (the engine of ``torch.compile``: about 1 s, as long as ``import torch``
    itself) only to keep the compiler out of these functions, and that does
    nothing while nothing is being compiled.  Until ``torch._dynamo`` has been
    imported (which ``torch.compile`` does), the functions below run the
    optimizer code directly, exactly as torch's wrappers do outside
    compilation; once it has been imported, they hand over to torch's own
    wrappers.  Results are bit-for-bit the same.  On a torch whose internals
    differ this does nothing.  Returns the number of functions it took over.

    속도만을 위한 부분입니다: 결과는 똑같고, 옵티마이저를 처음 만들 때 torch
    컴파일러를 불러오느라 드는 약 1초를 아낍니다.
    """
    try:
        from torch._compile import _disable_dynamo
        from torch.optim import optimizer as optimizer_module
        disable_code = _disable_dynamo(lambda: None).__code__
        use_grad_code = optimizer_module._use_grad_for_differentiable(lambda self: None).__code__
    except (ImportError, AttributeError, TypeError):
        return 0
    if disable_code.co_freevars != ("fn", "recursive") or "func" not in use_grad_code.co_freevars:
        return 0
    taken = 0

    def lazily_disabled(fn, recursive):
        def call(*args, **kwargs):
            if "torch._dynamo" in sys.modules:   # the compiler is in use: torch's own wrapper from now on
                import torch._dynamo
                real = torch._dynamo.disable(fn, recursive, wrapping=False)
                setattr(fn, "__dynamo_disable", real)
                return real(*args, **kwargs)
            return fn(*args, **kwargs)
        return call

    # Optimizer.zero_grad, add_param_group (called by __init__), state_dict, load_state_dict
    for attribute in vars(torch.optim.Optimizer).values():
        if getattr(attribute, "__code__", None) is disable_code:
            cells = dict(zip(disable_code.co_freevars, (c.cell_contents for c in attribute.__closure__)))
            if getattr(cells["fn"], "__dynamo_disable", None) is None:
                setattr(cells["fn"], "__dynamo_disable", lazily_disabled(cells["fn"], cells["recursive"]))
                taken += 1

    def eager_step(use_grad):
        func = dict(zip(use_grad.__code__.co_freevars, (c.cell_contents for c in use_grad.__closure__)))["func"]

        @functools.wraps(use_grad)
        def step(*args, **kwargs):
            if "torch._dynamo" in sys.modules:   # the compiler is in use: torch's own wrapper
                return use_grad(*args, **kwargs)
            self = args[0]
            previous = torch.is_grad_enabled()
            try:
                torch.set_grad_enabled(self.defaults["differentiable"])
                return func(*args, **kwargs)
            finally:
                torch.set_grad_enabled(previous)
        step._eager_step = True
        return step

    # SGD.step, Adam.step, ...: still torch's decorated function (no optimizer of that class created yet)
    for value in list(vars(torch.optim).values()):
        step = vars(value).get("step") if isinstance(value, type) and issubclass(value, torch.optim.Optimizer) \
            else None
        if getattr(step, "__code__", None) is use_grad_code and not getattr(step, "hooked", False):
            value.step = eager_step(step)
            taken += 1
    return taken


_optimizers_without_compiler_import()
