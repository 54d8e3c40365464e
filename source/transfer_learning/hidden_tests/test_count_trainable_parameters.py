"""Hidden tests: count_trainable_parameters(model) -> int.

The worker builds the model with the requires_grad flags the grader chooses
(set directly, no other student function involved) and returns the count.
Expected: the number of scalar parameters with requires_grad, as an int.

Known mistakes: counting every parameter (frozen ones too), counting tensors
instead of elements, counting frozen parameters only, returning a tensor or
a float.
"""
import numpy as np
import pytest

import _tl_cases as C
from autograder.checks import check, fail

FUNC = "count_trainable_parameters"
HARNESS = "tl_harness:check_count_trainable_parameters"


def title(en, ko):
    return pytest.mark.title(en=f"{FUNC}: {en}", ko=f"{FUNC}: {ko}")


def _expected(channels, trainable):
    model = C.build(C.spec(channels))
    return sum(p.numel() for name, p in model.named_parameters() if trainable[name])


def _hints(channels, trainable, got):
    model = C.build(C.spec(channels))
    sizes = {name: p.numel() for name, p in model.named_parameters()}
    known = [
        (sum(sizes.values()), "This is the number of all parameters: count only those with p.requires_grad.",
         "모든 파라미터 수입니다. p.requires_grad인 것만 세세요."),
        (sum(1 for n in sizes if trainable[n]), "This is the number of trainable tensors: add p.numel() (elements).",
         "훈련 가능한 텐서의 개수입니다. p.numel()(원소 수)을 더하세요."),
        (sum(s for n, s in sizes.items() if not trainable[n]), "This is the number of frozen parameters.",
         "동결된 파라미터 수입니다."),
    ]
    right = _expected(channels, trainable)
    hints, seen = [], {right}
    for value, en, ko in known:
        if value not in seen and C.as_number(got) == value:
            hints.append((en, ko))
        seen.add(value)
    return hints


def _count(student, channels, trainable):
    reply = student.harness(HARNESS, C.spec(channels, trainable=trainable))
    C.expect_dict(reply, ["returned"], FUNC)
    return reply, C.returned_value(reply)


def _check(student, channels, trainable, case_en, case_ko):
    reply, value = _count(student, channels, trainable)
    right = _expected(channels, trainable)
    if C.as_number(value) != right:
        got_en, got_ko = C.describe_return(reply)
        hints = _hints(channels, trainable, value)
        fail(f"{case_en}: expected {right} trainable parameters, got {got_en}."
             + "".join("\nHint: " + en for en, _ in hints),
             f"{case_ko}: 훈련 가능한 파라미터는 {right}개인데 {got_ko}을(를) 반환했습니다."
             + "".join("\n힌트: " + ko for _, ko in hints),
             got=value, expected=None if hints else right)   # no hint of its own: the generic diagnosis
    return value


@title("pretrained network, nothing frozen", "사전 훈련된 신경망, 동결 없음")
def test_all_trainable(student):
    channels = C.tl_model.CHANNELS
    _check(student, channels, C.flags(channels), "all 93,317 parameters trainable", "파라미터 93,317개 모두 훈련 가능")


@title("feature extractor: only the classifier", "특성 추출기: 분류기만")
@pytest.mark.weight(2)
def test_feature_extractor(student):
    channels = C.tl_model.CHANNELS
    _check(student, channels, C.flags(channels, features=False), "base frozen", "합성곱 기반 동결")


@title("fine-tuning: last block and classifier", "미세 조정: 마지막 블록과 분류기")
def test_fine_tuning(student):
    channels = C.tl_model.CHANNELS
    _check(student, channels, C.flags(channels, features=False, last_block=True),
           "last block and classifier trainable", "마지막 블록과 분류기 훈련 가능")


@title("nothing trainable, another architecture", "훈련 가능한 것 없음, 다른 구조")
def test_nothing(student):
    _check(student, C.DEEP, C.flags(C.DEEP, features=False, classifier=False),
           "four-block network, everything frozen", "블록 4개 신경망, 모두 동결")


@title("returns an int", "int를 반환")
def test_returns_int(student):
    channels = C.tl_model.CHANNELS
    # The type only: a wrong count is the other tests' business.
    reply, value = _count(student, channels, C.flags(channels, features=False, last_block=True))
    got_en, got_ko = C.describe_return(reply)
    check(type(value) is int or isinstance(value, np.integer),
          f"The count must be a Python int, got {got_en} "
          f"(a tensor or a float: use int(...) or sum(p.numel() ...), which gives an int).",
          f"개수는 파이썬 int여야 하는데 {got_ko}입니다"
          f"(텐서나 float라면 int(...)를 쓰거나 int를 주는 sum(p.numel() ...)을 쓰세요).")
