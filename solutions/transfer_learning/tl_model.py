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

import json
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
