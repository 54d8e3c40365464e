"""Hidden tests: freeze_backbone(model) -> model.

The worker builds the model (tl_harness.check_freeze_backbone), calls the
student's function and describes the model afterwards: requires_grad per
parameter name, parameter values, the returned object.  Expected: every
parameter of model.features frozen, the classifier untouched (trainable),
no value changed, the model returned; for the pretrained network, a deeper
four-block backbone, and a model whose parameters start in a mixed state.

Known mistakes: freezing everything (classifier included), model.eval() or
torch.no_grad() instead of requires_grad, freezing only the first block or a
hard-coded list of blocks, forgetting to return the model, re-initialising
or modifying weights.
"""
import pytest

import _tl_cases as C
from autograder.checks import check, fail

FUNC = "freeze_backbone"
HARNESS = "tl_harness:check_freeze_backbone"


def title(en, ko):
    return pytest.mark.title(en=f"{FUNC}: {en}", ko=f"{FUNC}: {ko}")


def _run(student, model_spec):
    reply = student.harness(HARNESS, model_spec)
    return reply, C.model_part(reply, FUNC)


def _check_flags(reply, model, channels, case_en, case_ko):
    trainable = model["trainable"]
    expected = C.flags(channels, features=False, classifier=True)
    still = [n for n, flag in expected.items() if not flag and trainable.get(n)]
    frozen_head = [n for n, flag in expected.items() if flag and not trainable.get(n)]
    if still:
        hints_en, hints_ko = [], []
        if len(still) == sum(1 for flag in expected.values() if not flag):
            if not model["training"]:
                hints_en.append("model.eval() only changes how layers such as dropout behave; it freezes nothing.")
                hints_ko.append("model.eval()은 드롭아웃 같은 층의 동작만 바꿀 뿐 아무것도 동결하지 않습니다.")
            hints_en.append("Set param.requires_grad = False for every param in model.features.parameters().")
            hints_ko.append("model.features.parameters()의 모든 param에 param.requires_grad = False를 설정하세요.")
        else:
            hints_en.append("Some blocks were left out: loop over model.features.parameters(), which covers "
                            "every block whatever the depth (no hard-coded indices).")
            hints_ko.append("일부 블록이 빠졌습니다. 깊이와 상관없이 모든 블록을 포함하는 "
                            "model.features.parameters()를 순회하세요(인덱스를 직접 쓰지 마세요).")
        fail(f"{case_en}: these parameters of model.features still require grad: {C.names_list(still)}.\n"
             + "\n".join("Hint: " + h for h in hints_en),
             f"{case_ko}: model.features의 다음 파라미터가 여전히 기울기를 요구합니다: {C.names_list(still)}.\n"
             + "\n".join("힌트: " + h for h in hints_ko))
    if frozen_head:
        fail(f"{case_en}: the classifier was frozen too ({C.names_list(frozen_head)}). Only model.features must be "
             f"frozen: the classifier is the part you train.",
             f"{case_ko}: 분류기까지 동결되었습니다({C.names_list(frozen_head)}). model.features만 동결해야 합니다. "
             f"분류기는 훈련할 부분입니다.")


@title("every parameter of the pretrained base is frozen", "사전 훈련된 합성곱 기반의 모든 파라미터 동결")
@pytest.mark.weight(2)
def test_pretrained_base_frozen(student):
    reply, model = _run(student, C.PRETRAINED)
    _check_flags(reply, model, C.tl_model.CHANNELS, "pretrained network", "사전 훈련된 신경망")


@title("the classifier stays trainable", "분류기는 훈련 가능한 상태 유지")
def test_classifier_trainable(student):
    reply, model = _run(student, C.PRETRAINED)
    trainable = model["trainable"]
    head = [n for n in trainable if n.startswith("classifier.")]
    frozen = [n for n in head if not trainable[n]]
    check(not frozen,
          f"The classifier was frozen ({C.names_list(frozen)}): freeze only model.features; "
          f"model.parameters() would freeze everything.",
          f"분류기가 동결되었습니다({C.names_list(frozen)}). model.features만 동결하세요. "
          f"model.parameters()를 쓰면 모든 것이 동결됩니다.")


@title("no weight changes and the model is returned", "가중치가 바뀌지 않고 모델을 반환")
def test_values_unchanged_and_returned(student):
    reply, model = _run(student, C.PRETRAINED)
    before = C.pretrained_state()
    changed = C.changed_names(before, model.get("state") or {}, before)
    check(not changed,
          f"freeze_backbone changed the values of {C.names_list(changed)}: freezing only sets flags, "
          f"it must not re-initialise or modify any weight.",
          f"freeze_backbone이 {C.names_list(changed)}의 값을 바꾸었습니다. 동결은 플래그만 바꿀 뿐 "
          f"가중치를 다시 초기화하거나 수정하면 안 됩니다.")
    got_en, got_ko = C.describe_return(reply)
    check(C.returned_kind(reply) == "model",
          f"freeze_backbone must return the model it was given; it returned {got_en}.",
          f"freeze_backbone은 받은 모델을 반환해야 하는데 {got_ko}을(를) 반환했습니다.")


@title("a deeper backbone (4 blocks) is frozen entirely", "더 깊은 합성곱 기반(블록 4개)도 전부 동결")
def test_deeper_backbone(student):
    reply, model = _run(student, C.spec(C.DEEP))
    _check_flags(reply, model, C.DEEP, "four-block network", "블록 4개인 신경망")


@title("parameters that start in a mixed state", "일부만 동결된 상태에서 시작")
def test_mixed_start(student):
    start = C.flags(C.NARROW, features=True, classifier=True)
    first = next(iter(start))
    start[first] = False                       # already frozen: must stay frozen
    reply, model = _run(student, C.spec(C.NARROW, trainable=start))
    _check_flags(reply, model, C.NARROW, "three-block network with one parameter already frozen",
                 "파라미터 하나가 이미 동결된 블록 3개 신경망")
