"""Data of the transfer-learning assignment / 전이 학습 과제의 데이터.

Everything comes from scikit-learn's bundled handwritten digits
(``sklearn.datasets.load_digits``: 1797 grey 8x8 images, in the wheel, no
download).  Each 8x8 digit is drawn at a random position of a 12x12 black
canvas, like an object that is not centred in a photo, so a network has to
recognise the digit wherever it is.

* **Source task / 원래 과제**: digits 0-4, many labelled images.  The
  pretrained network of ``tl_model`` was trained on it (see ``tl_model``).
* **Target task / 새 과제**: digits 5-9 (labels 0-4 stand for 5-9), with only
  ``TRAIN_PER_CLASS`` labelled images per class for training and
  ``VAL_PER_CLASS`` per class for validation.  The remaining target images form
  the held-out test split, which the grader keeps: the notebook never uses it.

Images are float32 arrays of shape ``(N, 1, 12, 12)`` with values in [0, 1]
(PyTorch's channel-first layout ``(N, C, H, W)``); labels are int64 arrays.
Every split is fixed (seeded), so everyone works on the same images.
"""
from __future__ import annotations

import functools
import gzip
import importlib.util
import os
from pathlib import Path

import numpy as np

CANVAS = 12                 # side of the canvas the 8x8 digits are drawn on
SOURCE_DIGITS = (0, 1, 2, 3, 4)
TARGET_DIGITS = (5, 6, 7, 8, 9)
TRAIN_PER_CLASS = 10        # labelled target images per class for training
VAL_PER_CLASS = 20          # ... for validation
SOURCE_TEST_FRACTION = 0.2
SEED = 2024

__all__ = ["CANVAS", "SOURCE_DIGITS", "TARGET_DIGITS", "TRAIN_PER_CLASS", "VAL_PER_CLASS",
           "place_on_canvas", "load_source", "load_target", "make_loader"]


def _digits_file() -> Path | None:
    """scikit-learn's ``datasets/data/digits.csv.gz``, located without importing scikit-learn."""
    spec = importlib.util.find_spec("sklearn")   # finds the package, runs none of it
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / "datasets" / "data" / "digits.csv.gz"
        if path.is_file():
            return path
    return None


def _read_digits() -> tuple[np.ndarray, np.ndarray]:
    """(images (1797, 8, 8) float64 0..16, labels) exactly as ``load_digits()`` returns them.

    ``load_digits`` reads this file with ``np.loadtxt``; reading it here the same way
    gives the same arrays without importing scikit-learn (about 1 s of imports).
    """
    path = _digits_file()
    if path is not None:
        with gzip.open(path, mode="rt", encoding="utf-8") as file:
            data = np.loadtxt(file, delimiter=",")
        if data.ndim == 2 and data.shape[1] == 65:
            return data[:, :-1].reshape(-1, 8, 8), data[:, -1].astype(int)
    # joblib (imported by scikit-learn) warns when it cannot use /dev/shm, e.g. in a sandbox.
    os.environ.setdefault("JOBLIB_MULTIPROCESSING", "0")
    from sklearn.datasets import load_digits

    bunch = load_digits()
    return bunch.images, bunch.target


@functools.lru_cache(maxsize=1)
def _digits() -> tuple[np.ndarray, np.ndarray]:
    pixels, target = _read_digits()
    images = (pixels / 16.0).astype(np.float32)             # (1797, 8, 8), values 0..1
    labels = target.astype(np.int64)
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


def place_on_canvas(images: np.ndarray, rng: np.random.Generator, canvas: int = CANVAS) -> np.ndarray:
    """Draw each 8x8 image at a random position of a ``canvas x canvas`` black image.

    Returns a float32 array of shape (N, 1, canvas, canvas).
    """
    images = np.asarray(images, dtype=np.float32)
    n, h, w = images.shape
    out = np.zeros((n, 1, canvas, canvas), dtype=np.float32)
    rows = rng.integers(0, canvas - h + 1, size=n)
    cols = rng.integers(0, canvas - w + 1, size=n)
    for i in range(n):
        out[i, 0, rows[i]:rows[i] + h, cols[i]:cols[i] + w] = images[i]
    return out


def _source_indices() -> dict[str, np.ndarray]:
    _, labels = _digits()
    rng = np.random.default_rng(SEED)
    idx = rng.permutation(np.flatnonzero(np.isin(labels, SOURCE_DIGITS)))
    n_test = int(round(len(idx) * SOURCE_TEST_FRACTION))
    return {"test": np.sort(idx[:n_test]), "train": np.sort(idx[n_test:])}


def _target_indices() -> dict[str, np.ndarray]:
    _, labels = _digits()
    rng = np.random.default_rng(SEED + 1)
    parts: dict[str, list] = {"train": [], "val": [], "test": []}
    for digit in TARGET_DIGITS:
        idx = rng.permutation(np.flatnonzero(labels == digit))
        parts["train"].append(idx[:TRAIN_PER_CLASS])
        parts["val"].append(idx[TRAIN_PER_CLASS:TRAIN_PER_CLASS + VAL_PER_CLASS])
        parts["test"].append(idx[TRAIN_PER_CLASS + VAL_PER_CLASS:])
    return {k: np.sort(np.concatenate(v)) for k, v in parts.items()}


_SPLIT_SEEDS = {("source", "train"): 11, ("source", "test"): 12,
                ("target", "train"): 21, ("target", "val"): 22, ("target", "test"): 23}


def _split(task: str, split: str) -> tuple[np.ndarray, np.ndarray]:
    images, labels = _digits()
    indices = (_source_indices() if task == "source" else _target_indices())[split]
    x = place_on_canvas(images[indices], np.random.default_rng(SEED + _SPLIT_SEEDS[task, split]))
    y = labels[indices].copy()
    if task == "target":
        y -= TARGET_DIGITS[0]          # digits 5..9 -> labels 0..4
    return x, y


def load_source(split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """Digits 0-4 (labels 0-4), ``split`` = "train" or "test"."""
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    return _split("source", split)


def load_target(split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """Digits 5-9 with labels 0-4 (label 0 is the digit 5, ..., label 4 is the digit 9).

    ``split`` = "train" (``TRAIN_PER_CLASS`` images per class) or "val"
    (``VAL_PER_CLASS`` per class).  The test split is kept by the grader.
    """
    if split not in ("train", "val"):
        raise ValueError(f"split must be 'train' or 'val' (the test split is kept by the grader), got {split!r}")
    return _split("target", split)


def make_loader(images, labels, batch_size: int, shuffle: bool = False, seed: int = 0):
    """A ``torch.utils.data.DataLoader`` over (image, label) pairs.

    Each batch is a pair ``(images, labels)`` of tensors of shapes
    ``(B, 1, H, W)`` (float32) and ``(B,)`` (int64); the last batch may be
    smaller.  With ``shuffle=True`` the order changes every epoch, reproducibly
    (``seed``).
    """
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    x = torch.as_tensor(np.ascontiguousarray(images, dtype=np.float32))
    y = torch.as_tensor(np.ascontiguousarray(labels, dtype=np.int64))
    generator = torch.Generator().manual_seed(int(seed)) if shuffle else None
    return DataLoader(TensorDataset(x, y), batch_size=int(batch_size), shuffle=shuffle, generator=generator)
