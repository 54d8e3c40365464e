"""Hidden tests: unfreeze_last_block(model) -> model.

The worker builds a model in the feature-extractor state (base frozen,
classifier trainable: flags set directly from the names the grader sends, so
the student's freeze_backbone is not involved), calls the student's function
and describes the flags afterwards.  Expected: the parameters of the last
child of model.features that has parameters become trainable, every earlier
block stays frozen, the classifier flags are untouched, no value changes.

Known mistakes: unfreezing everything (model.parameters() or
model.features.parameters()), unfreezing features[-1] (the parameter-free
Flatten layer) or a hard-coded index (wrong on a four-block backbone),
unfreezing the first block, touching the classifier.
"""
import pytest

import _tl_cases as C
from autograder.checks import check, fail

FUNC = "unfreeze_last_block"
HARNESS = "tl_harness:check_unfreeze_last_block"


def title(en, ko):
    return pytest.mark.title(en=f"{FUNC}: {en}", ko=f"{FUNC}: {ko}")


def _run(student, channels, classifier=True):
    start = C.flags(channels, features=False, classifier=classifier)
    reply = student.harness(HARNESS, C.spec(channels, pretrained=list(channels) == list(C.tl_model.CHANNELS),
                                            trainable=start))
    return reply, C.model_part(reply, FUNC), start


def _check(model, channels, classifier, case_en, case_ko):
    expected = C.flags(channels, features=False, last_block=True, classifier=classifier)
    trainable = model["trainable"]
    last = max(b for b in map(C.block_of, expected) if b is not None)
    not_unfrozen = [n for n, f in expected.items() if f and C.block_of(n) == last and not trainable.get(n)]
    early = [n for n, f in expected.items() if not f and C.block_of(n) is not None and trainable.get(n)]
    if early and not_unfrozen:
        fail(f"{case_en}: the wrong block was unfrozen ({C.names_list(early)}); the last block "
             f"(model.features[{last}] here) is still frozen.\nHint: the last children of model.features are "
             f"pooling/flatten layers without parameters: take the last child that has parameters, "
             f"not a fixed index.",
             f"{case_ko}: 엉뚱한 블록의 동결을 풀었습니다({C.names_list(early)}). 마지막 블록"
             f"(여기서는 model.features[{last}])은 여전히 동결되어 있습니다.\n힌트: model.features의 마지막 자식들은 "
             f"파라미터가 없는 풀링/Flatten 층입니다. 고정된 인덱스가 아니라 파라미터가 있는 마지막 자식을 고르세요.")
    if early:
        fail(f"{case_en}: earlier blocks were unfrozen too ({C.names_list(early)}). Only the last block "
             f"(model.features[{last}] here) may become trainable: unfreezing everything throws away the "
             f"generic features of the early layers.",
             f"{case_ko}: 앞쪽 블록까지 동결이 풀렸습니다({C.names_list(early)}). 마지막 블록"
             f"(여기서는 model.features[{last}])만 훈련 가능해야 합니다. 전부 풀면 앞쪽 층의 일반적인 특성을 잃습니다.")
    if not_unfrozen:
        fail(f"{case_en}: the parameters of the last block are still frozen: {C.names_list(not_unfrozen)}.\n"
             f"Hint: model.features[-1] is the Flatten layer, which has no parameters; the last block is the "
             f"last child of model.features that has parameters (model.features[{last}] here).",
             f"{case_ko}: 마지막 블록의 파라미터가 여전히 동결되어 있습니다: {C.names_list(not_unfrozen)}.\n"
             f"힌트: model.features[-1]은 파라미터가 없는 Flatten 층입니다. 마지막 블록은 파라미터가 있는 "
             f"model.features의 마지막 자식입니다(여기서는 model.features[{last}]).")
    _check_classifier(model, channels, classifier, case_en, case_ko)


def _check_classifier(model, channels, classifier, case_en, case_ko):
    trainable = model["trainable"]
    head = [n for n in C.parameter_names(channels) if C.block_of(n) is None and bool(trainable.get(n)) != classifier]
    if head:
        fail(f"{case_en}: the classifier's requires_grad flags changed ({C.names_list(head)}): "
             f"unfreeze_last_block must only touch the last conv block.",
             f"{case_ko}: 분류기의 requires_grad 플래그가 바뀌었습니다({C.names_list(head)}). "
             f"unfreeze_last_block은 마지막 합성곱 블록만 바꿔야 합니다.")


@title("pretrained network: only the last block becomes trainable", "사전 훈련된 신경망: 마지막 블록만 훈련 가능")
@pytest.mark.weight(2)
def test_pretrained(student):
    reply, model, _ = _run(student, C.tl_model.CHANNELS)
    _check(model, C.tl_model.CHANNELS, True, "pretrained network", "사전 훈련된 신경망")


@title("a deeper backbone (4 blocks)", "더 깊은 합성곱 기반(블록 4개)")
def test_deeper(student):
    reply, model, _ = _run(student, C.DEEP)
    _check(model, C.DEEP, True, "four-block network", "블록 4개인 신경망")


@title("the classifier is left as it is", "분류기는 그대로 둠")
def test_classifier_untouched(student):
    # Only the classifier's flags: a mistake in the blocks is the other tests' business.
    reply, model, _ = _run(student, C.NARROW, classifier=False)
    _check_classifier(model, C.NARROW, False, "three-block network with a frozen classifier",
                      "분류기가 동결된 블록 3개 신경망")


@title("no weight changes and the model is returned", "가중치가 바뀌지 않고 모델을 반환")
def test_values_and_return(student):
    reply, model, _ = _run(student, C.tl_model.CHANNELS)
    before = C.pretrained_state()
    changed = C.changed_names(before, model.get("state") or {}, before)
    check(not changed,
          f"unfreeze_last_block changed the values of {C.names_list(changed)}: it must only set flags.",
          f"unfreeze_last_block이 {C.names_list(changed)}의 값을 바꾸었습니다. 플래그만 바꿔야 합니다.")
    got_en, got_ko = C.describe_return(reply)
    check(C.returned_kind(reply) == "model",
          f"unfreeze_last_block must return the model it was given; it returned {got_en}.",
          f"unfreeze_last_block은 받은 모델을 반환해야 하는데 {got_ko}을(를) 반환했습니다.")
