"""Shared helpers of the transfer_learning tests (tests/test_transfer_*.py); no tests here.

Paths, the reference module, the shipped modules loaded from source/, and the
numbers the visible checks store (recomputed here from the reference).
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
NAME = "transfer_learning"
SOURCE_DIR = ROOT / "source" / NAME
SOURCE_NOTEBOOK = SOURCE_DIR / f"{NAME}.ipynb"
RELEASE_DIR = ROOT / "assignments" / NAME
SOLUTION_DIR = ROOT / "solutions" / NAME
CORPUS = ROOT / "tests" / "corpus" / NAME
GRADED = ["freeze_backbone", "replace_classifier", "count_trainable_parameters", "make_optimizer",
          "train_one_epoch", "evaluate", "unfreeze_last_block", "feature_extractor_config", "fine_tune_config"]
CONFIG_QUESTIONS = {"feature_extractor_config": "FEATURE_EXTRACTOR_CONFIG", "fine_tune_config": "FINE_TUNE_CONFIG"}


def load_shipped(name: str, directory: Path = SOURCE_DIR):
    """Import a shipped module (tl_data, tl_model, tl_checks...) from ``directory``."""
    if str(directory) not in sys.path:
        sys.path.insert(0, str(directory))
    module = sys.modules.get(name)
    if module is not None and Path(module.__file__).resolve().parent == directory.resolve():
        return module
    spec = importlib.util.spec_from_file_location(name, directory / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def reference():
    from autograder.engine.reference import load_reference
    return load_reference(SOURCE_NOTEBOOK)


def check_constants(ref) -> tuple[dict, dict]:
    """(TRAIN_EXPECTED, EVALUATE_EXPECTED) of tl_checks, computed with the reference functions."""
    from torch import nn

    tc, data = load_shipped("tl_checks"), load_shipped("tl_data")
    train = {}
    model, loader, optimizer = tc._train_setup(stale=False)
    train["loss"] = float(ref.train_one_epoch(model, loader, optimizer, nn.CrossEntropyLoss()))
    train["head"] = tc._head_summary(model)
    # the two known mistakes the check recognises
    model, loader, optimizer = tc._train_setup(stale=False)
    model.train()
    for images, labels in loader:
        nn.CrossEntropyLoss()(model(images), labels).backward()
        optimizer.step()
    train["no_zero_grad_head"] = tc._head_summary(model)
    model, loader, optimizer = tc._train_setup(stale=False)
    model.train()
    losses = []
    for images, labels in loader:
        optimizer.zero_grad()
        loss = nn.CrossEntropyLoss()(model(images), labels)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    train["batch_mean_loss"] = float(np.mean(losses))

    x, y = data.load_source("test")
    model = tc._pretrained()
    full = ref.evaluate(model, data.make_loader(x, y, 64))
    uneven = ref.evaluate(model, data.make_loader(x[-50:], y[-50:], 16))
    batch_mean = np.mean([ref.evaluate(model, data.make_loader(x[-50:][i:i + 16], y[-50:][i:i + 16], 16))
                          for i in range(0, 50, 16)])
    evaluate = {"source_test_correct": round(full * len(y)), "source_test_total": len(y),
                "uneven_correct": round(uneven * 50), "uneven_total": 50, "uneven_batch_mean": float(batch_mean)}
    return train, evaluate
