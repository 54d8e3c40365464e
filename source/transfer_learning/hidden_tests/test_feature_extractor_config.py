"""Hidden tests: FEATURE_EXTRACTOR_CONFIG = {"lr", "epochs", "batch_size"}, end to end.

The worker loads the pretrained network, calls the student's freeze_backbone,
replace_classifier(model, 5) and make_optimizer(model, lr), and runs
train_one_epoch for the configured epochs on the 50 target training images
(shuffled with a fixed seed); the grader measures the test accuracy of the
returned parameters on the hidden test split and checks that the whole
convolutional base is unchanged.  Threshold: ``min_test_accuracy`` in
grading.yml.  See _e2e.py for how a broken function is kept from costing
points here.
"""
import pytest

import _e2e

NAME = "FEATURE_EXTRACTOR_CONFIG"


def title(en, ko):
    return pytest.mark.title(en=f"{NAME}: {en}", ko=f"{NAME}: {ko}")


@title("a dictionary with lr, epochs and batch_size", "lr, epochs, batch_size가 있는 딕셔너리")
def test_valid(student):
    _e2e.config(student, NAME)


@title("the feature extractor reaches the test accuracy, base unchanged",
       "특성 추출기가 테스트 정확도 기준 달성, 합성곱 기반은 그대로")
@pytest.mark.weight(3)
def test_trains_feature_extractor(student, ref, settings, note):
    cfg = _e2e.config(student, NAME)
    _e2e.grade(student, ref, harness="tl_harness:run_feature_extractor", name=NAME, cfg=cfg,
               stages=[{"mode": "feature_extractor", "config": cfg}],
               frozen_blocks={0, 1, 2}, trained_block=None, threshold=float(settings["min_test_accuracy"]),
               note=note)
