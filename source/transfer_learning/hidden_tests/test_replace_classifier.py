"""Hidden tests: replace_classifier(model, num_classes) -> model.

The worker builds the model (tl_harness.check_replace_classifier), calls the
student's function, runs the model on two probe images and describes the
classifier: type, in/out features, requires_grad, values.  Expected: a new
nn.Linear(old in_features, num_classes), trainable even when everything was
frozen before, the base untouched (flags and values), the model returned.

Known mistakes: hard-coded in_features (128) or out_features, using the old
layer's out_features as in_features, num_classes ignored, re-using the old
layer (setting flags only), wrapping the layer in nn.Sequential or adding a
softmax, replacing model.features[-1] instead of the classifier, forgetting to
return the model.
"""
import numpy as np
import pytest

import _tl_cases as C
from autograder.checks import check, fail

FUNC = "replace_classifier"
HARNESS = "tl_harness:check_replace_classifier"
PROBE = np.zeros((2, 1, 12, 12), dtype=np.float32)


def title(en, ko):
    return pytest.mark.title(en=f"{FUNC}: {en}", ko=f"{FUNC}: {ko}")


def _run(student, model_spec, num_classes):
    reply = student.harness(HARNESS, model_spec, num_classes, PROBE)
    return reply, C.model_part(reply, FUNC)


def _frozen_head(model) -> list[str]:
    trainable = model["trainable"]
    return [n for n in trainable if C.block_of(n) is None and not trainable[n]]


def _check_head(reply, model, in_features, num_classes, case_en, case_ko):
    head = model["classifier"]
    if not head.get("is_linear"):
        fail(f"{case_en}: model.classifier is a {head.get('type')}, expected a single nn.Linear "
             f"(no nn.Sequential, no softmax: nn.CrossEntropyLoss takes raw scores).",
             f"{case_ko}: model.classifier가 {head.get('type')}입니다. nn.Linear 하나여야 합니다"
             f"(nn.Sequential이나 softmax 없이. nn.CrossEntropyLoss는 점수를 그대로 받습니다).")
    got = (head.get("in_features"), head.get("out_features"))
    if got != (in_features, num_classes):
        hints_en, hints_ko = [], []
        if head.get("in_features") != in_features:
            hints_en.append("in_features must be the number of features the base produces: read it from the old "
                            "layer, model.classifier.in_features, before replacing it (do not hard-code 128).")
            hints_ko.append("in_features는 합성곱 기반이 만드는 특성 수여야 합니다. 바꾸기 전에 이전 층의 "
                            "model.classifier.in_features에서 읽으세요(128을 직접 쓰지 마세요).")
        if head.get("out_features") != num_classes:
            hints_en.append("out_features must be num_classes, the number of classes of the new task.")
            hints_ko.append("out_features는 새 과제의 클래스 수인 num_classes여야 합니다.")
        fail(f"{case_en}: nn.Linear(in_features={got[0]}, out_features={got[1]}), expected "
             f"nn.Linear({in_features}, {num_classes}).\n" + "\n".join("Hint: " + h for h in hints_en),
             f"{case_ko}: nn.Linear(in_features={got[0]}, out_features={got[1]})인데 "
             f"nn.Linear({in_features}, {num_classes})이어야 합니다.\n" + "\n".join("힌트: " + h for h in hints_ko))
    frozen = _frozen_head(model)
    check(not frozen,
          f"{case_en}: the new classifier is frozen ({C.names_list(frozen)}); a freshly created layer is trainable.",
          f"{case_ko}: 새 분류기가 동결되어 있습니다({C.names_list(frozen)}). 새로 만든 층은 훈련 가능합니다.")
    if reply.get("output_error") or reply.get("output_shape") != [2, num_classes]:
        detail = reply.get("output_error") or f"output shape {reply.get('output_shape')}"
        fail(f"{case_en}: running the model on a batch of 2 images failed ({detail}); expected scores of "
             f"shape (2, {num_classes}).",
             f"{case_ko}: 이미지 2장으로 모델을 실행하지 못했습니다({detail}). (2, {num_classes}) 모양의 점수가 "
             f"나와야 합니다.")


@title("pretrained network, 5 new classes", "사전 훈련된 신경망, 새 클래스 5개")
@pytest.mark.weight(2)
def test_pretrained_five(student):
    model_spec = dict(C.PRETRAINED, trainable=C.flags(C.tl_model.CHANNELS, features=False))
    reply, model = _run(student, model_spec, 5)
    _check_head(reply, model, 128, 5, "pretrained network, num_classes=5", "사전 훈련된 신경망, num_classes=5")


@title("the new head is fresh, not the old one", "새 분류기는 이전 것이 아닌 새 층")
def test_fresh_head(student):
    start = C.flags(C.tl_model.CHANNELS, features=False, classifier=False)
    reply, model = _run(student, dict(C.PRETRAINED, trainable=start), 5)
    # Freshness only (new values, trainable): the head's type and shape are the other tests' business.
    head = [n for n in model["trainable"] if C.block_of(n) is None]
    frozen = _frozen_head(model)
    check(head and not frozen,
          f"Everything was frozen before the call, and the new classifier is frozen too ({C.names_list(frozen)}): "
          f"a freshly created nn.Linear is trainable; do not re-use the old layer.",
          f"호출 전에 모두 동결되어 있었는데 새 분류기도 동결되어 있습니다({C.names_list(frozen)}). "
          f"새로 만든 nn.Linear는 훈련 가능합니다. 이전 층을 다시 쓰지 마세요.")
    old = C.pretrained_state()
    state = model.get("state") or {}
    check(not C.tensors_equal(old["classifier.weight"], state.get("classifier.weight")),
          "The classifier still has the pretrained weights (digits 0-4): create a new nn.Linear instead of "
          "re-using or unfreezing the old one.",
          "분류기에 사전 훈련된 가중치(숫자 0~4용)가 그대로 있습니다. 이전 층을 다시 쓰거나 동결만 풀지 말고 "
          "새 nn.Linear를 만드세요.")


@title("another width and 7 classes (in_features 24)", "다른 폭, 클래스 7개 (in_features 24)")
def test_other_width(student):
    reply, model = _run(student, C.spec(C.NARROW, num_classes=10), 7)
    _check_head(reply, model, C.NARROW[-1], 7, "network with 24 features, num_classes=7",
                "특성이 24개인 신경망, num_classes=7")


@title("the base is untouched and the model is returned", "합성곱 기반은 그대로, 모델 반환")
def test_base_untouched_and_returned(student):
    start = C.flags(C.tl_model.CHANNELS, features=False)
    reply, model = _run(student, dict(C.PRETRAINED, trainable=start), 3)
    before = C.pretrained_state()
    base = [n for n in before if n.startswith("features.")]
    changed = C.changed_names(before, model.get("state") or {}, base)
    flags_changed = [n for n in base if model["trainable"].get(n) != start[n]]
    check(not changed and not flags_changed,
          f"replace_classifier changed model.features ({C.names_list(changed + flags_changed)}): "
          f"only model.classifier may change.",
          f"replace_classifier가 model.features를 바꾸었습니다({C.names_list(changed + flags_changed)}). "
          f"model.classifier만 바뀌어야 합니다.")
    got_en, got_ko = C.describe_return(reply)
    check(C.returned_kind(reply) == "model",
          f"replace_classifier must return the model it was given (with the new classifier); it returned {got_en}.",
          f"replace_classifier는 (새 분류기를 붙인) 받은 모델을 반환해야 하는데 {got_ko}을(를) 반환했습니다.")
