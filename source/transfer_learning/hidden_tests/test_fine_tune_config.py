"""Hidden tests: FINE_TUNE_CONFIG = {"lr", "epochs", "batch_size"}, end to end.

The worker trains a feature extractor first, with the student's functions and
the *reference* FEATURE_EXTRACTOR_CONFIG (so that this question grades the
fine-tuning settings only), then calls the student's unfreeze_last_block and
make_optimizer(model, lr) and trains with FINE_TUNE_CONFIG.  The grader
measures the test accuracy of the returned parameters on the hidden test
split and checks that the first two blocks are unchanged and the last one was
trained.  Threshold: ``min_test_accuracy`` in grading.yml.  See _e2e.py for
how a broken function is kept from costing points here.
"""
import pytest

import _e2e

NAME = "FINE_TUNE_CONFIG"


def title(en, ko):
    return pytest.mark.title(en=f"{NAME}: {en}", ko=f"{NAME}: {ko}")


@title("a dictionary with lr, epochs and batch_size", "lr, epochs, batch_size가 있는 딕셔너리")
def test_valid(student):
    _e2e.config(student, NAME)


@title("fine-tuning reaches the test accuracy, early blocks unchanged",
       "미세 조정이 테스트 정확도 기준 달성, 앞쪽 블록은 그대로")
@pytest.mark.weight(3)
def test_fine_tunes(student, ref, settings, note):
    cfg = _e2e.config(student, NAME)
    stages = [{"mode": "feature_extractor", "config": dict(ref.FEATURE_EXTRACTOR_CONFIG)},
              {"mode": "fine_tune", "config": cfg}]
    _e2e.grade(student, ref, harness="tl_harness:run_fine_tuning", name=NAME, cfg=cfg, stages=stages,
               frozen_blocks={0, 1}, trained_block=2, threshold=float(settings["min_test_accuracy"]), note=note,
               smaller_lr_than=float(ref.FEATURE_EXTRACTOR_CONFIG["lr"]))
