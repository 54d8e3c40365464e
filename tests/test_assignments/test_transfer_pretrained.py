"""The shipped pretrained network: re-running the instructor's script reproduces it.

``source/transfer_learning/hidden_tests/pretrain_backbone.py`` (fixed seed, one
CPU thread, ~20 s) is run into a temporary folder; it must reach the
source-task test accuracy recorded next to the committed weights (at least
0.97), with the same settings.
"""
from __future__ import annotations

import json
import subprocess
import sys

import torch

from conftest import tool_env
from test_assignments.test_transfer_support import SOURCE_DIR, load_shipped

SCRIPT = SOURCE_DIR / "hidden_tests" / "pretrain_backbone.py"


def test_rerunning_the_pretraining_script_reaches_the_recorded_accuracy(tmp_path):
    recorded = json.loads((SOURCE_DIR / "digits_cnn_pretrained.json").read_text())
    assert recorded["source_test_accuracy"] >= 0.97
    proc = subprocess.run([sys.executable, str(SCRIPT), "--out", str(tmp_path)], env=tool_env(),
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    rerun = json.loads((tmp_path / "digits_cnn_pretrained.json").read_text())
    assert {k: v for k, v in rerun.items() if k != "source_test_accuracy"} == \
        {k: v for k, v in recorded.items() if k != "source_test_accuracy"}
    # Same machine and torch build: identical; elsewhere CPU kernels may round differently.
    assert abs(rerun["source_test_accuracy"] - recorded["source_test_accuracy"]) <= 0.01, (rerun, recorded)
    weights = tmp_path / "digits_cnn_pretrained.pt"
    assert weights.stat().st_size < 1 << 20
    model = load_shipped("tl_model").load_pretrained(weights)   # weights_only=True inside
    assert isinstance(model.classifier, torch.nn.Linear)


def test_committed_weights_reach_the_recorded_accuracy():
    """The committed state_dict really is that network (accuracy recomputed here)."""
    model = load_shipped("tl_model").load_pretrained()
    x, y = load_shipped("tl_data").load_source("test")
    model.eval()
    with torch.no_grad():
        accuracy = float((model(torch.from_numpy(x)).argmax(1).numpy() == y).mean())
    recorded = json.loads((SOURCE_DIR / "digits_cnn_pretrained.json").read_text())["source_test_accuracy"]
    assert round(accuracy, 4) == recorded >= 0.97
