"""Instructor script: pretrain DigitCNN on the source task and write its weights.

    python source/transfer_learning/hidden_tests/pretrain_backbone.py [--out DIR] [--epochs N]

writes ``digits_cnn_pretrained.pt`` (the ``state_dict``, ~0.4 MB) and
``digits_cnn_pretrained.json`` (settings and the source-task test accuracy)
to ``DIR`` (default: ``source/transfer_learning/``); then run
``autograder release transfer_learning`` to ship them.

It lives in ``hidden_tests/`` only because nbgrader never releases that
folder: it contains a complete training loop, i.e. the answers of the
assignment.  It is not a test; ``tests/test_assignments/test_transfer_pretrained.py`` re-runs
it and checks that it reaches the recorded accuracy.

Source task: digits 0-4 of ``sklearn.datasets.load_digits`` (the train split
of ``tl_data.load_source``), each epoch drawn at fresh random positions of the
12x12 canvas and turned by a random multiple of 90 degrees.  Two heads share
the convolutional base: the model's ``classifier`` names the digit (whatever
the rotation) and a temporary head names the rotation.  The second task makes
the base keep information about shape and orientation that telling 0-4 apart
alone would not need, which is what makes it useful for digits 5-9; the
temporary head is thrown away.  Dropout on the pooled features (training only)
keeps the features redundant.  Fixed seeds and one CPU thread make the run
reproducible; it takes a few seconds.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

HERE = Path(__file__).resolve().parent
ASSIGNMENT_DIR = HERE.parent
sys.path.insert(0, str(ASSIGNMENT_DIR))

import tl_data  # noqa: E402
import tl_model  # noqa: E402

SEED = 0
EPOCHS = 120
BATCH_SIZE = 32
LR = 3e-3
DROPOUT = 0.3
ROTATIONS = 4


def _rotated_batch(images: np.ndarray, rng: np.random.Generator):
    """Random rotation (multiple of 90 degrees) and random position of every image."""
    turns = rng.integers(0, ROTATIONS, size=len(images))
    rotated = np.stack([np.rot90(img, k) for img, k in zip(images, turns)])
    return tl_data.place_on_canvas(rotated, rng), turns


def source_accuracy(model: nn.Module) -> float:
    x, y = tl_data.load_source("test")
    model.eval()
    with torch.no_grad():
        predicted = model(torch.from_numpy(x)).argmax(dim=1).numpy()
    return float((predicted == y).mean())


def pretrain(epochs: int = EPOCHS, seed: int = SEED, log=print) -> tuple[nn.Module, dict]:
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    images, labels = tl_data._digits()
    train_idx = tl_data._source_indices()["train"]
    digits_8x8, digit_labels = images[train_idx], torch.from_numpy(labels[train_idx].copy())

    model = tl_model.DigitCNN(num_classes=tl_model.SOURCE_CLASSES)
    rotation_head = nn.Linear(model.classifier.in_features, ROTATIONS)
    optimizer = torch.optim.Adam(list(model.parameters()) + list(rotation_head.parameters()), lr=LR)
    order_generator = torch.Generator().manual_seed(seed)
    start = time.monotonic()
    for epoch in range(epochs):
        x, turns = _rotated_batch(digits_8x8, rng)
        x, turns = torch.from_numpy(x), torch.from_numpy(turns)
        model.train()
        total, seen = 0.0, 0
        for batch in torch.randperm(len(x), generator=order_generator).split(BATCH_SIZE):
            optimizer.zero_grad()
            features = F.dropout(model.features(x[batch]), DROPOUT, training=True)
            loss = (F.cross_entropy(model.classifier(features), digit_labels[batch])
                    + F.cross_entropy(rotation_head(features), turns[batch]))
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch)
            seen += len(batch)
        if log and (epoch + 1) % 10 == 0:
            log(f"epoch {epoch + 1:3d}  loss {total / seen:.4f}  ({time.monotonic() - start:.1f} s)")
    info = {
        "source_task": "digits 0-4 of sklearn load_digits, random position on a 12x12 canvas",
        "source_test_accuracy": round(source_accuracy(model), 4),
        "seed": seed, "epochs": epochs, "batch_size": BATCH_SIZE, "lr": LR, "optimizer": "Adam",
        "dropout": DROPOUT, "auxiliary_task": "rotation by 0/90/180/270 degrees (head discarded)",
        "channels": list(tl_model.CHANNELS), "torch": torch.__version__.split("+")[0],
    }
    return model, info


def save(model: nn.Module, info: dict, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().clone().contiguous() for k, v in model.state_dict().items()}
    torch.save(state, out / tl_model.PRETRAINED_FILE)
    (out / tl_model.INFO_FILE).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ASSIGNMENT_DIR)
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    start = time.monotonic()
    model, info = pretrain(args.epochs, args.seed)
    save(model, info, args.out)
    print(f"source-task test accuracy {info['source_test_accuracy']:.4f}; "
          f"wrote {args.out / tl_model.PRETRAINED_FILE} in {time.monotonic() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
