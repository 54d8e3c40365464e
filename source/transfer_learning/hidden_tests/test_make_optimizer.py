"""Hidden tests: make_optimizer(model, lr) -> torch.optim optimizer.

The worker builds a model with the requires_grad flags the grader chooses
(set directly), calls the student's function and describes the optimizer:
its type, and for each parameter group the names of its parameters and its
learning rate.  Expected: a torch.optim.Optimizer whose groups hold exactly
the parameters that require grad (each once) with learning rate lr.  Any
optimizer of torch.optim is accepted.

Known mistakes: every parameter (frozen ones too), only the classifier's
parameters (model.classifier.parameters(): wrong when fine-tuning), a
hard-coded learning rate, returning the parameters instead of an optimizer.
"""
import pytest

import _tl_cases as C
from autograder.checks import check, fail

FUNC = "make_optimizer"
HARNESS = "tl_harness:check_make_optimizer"


def title(en, ko):
    return pytest.mark.title(en=f"{FUNC}: {en}", ko=f"{FUNC}: {ko}")


def _optimizer(student, channels, trainable, lr, pretrained=False):
    model_spec = C.spec(channels, trainable=trainable, pretrained=pretrained)
    reply = C.expect_dict(student.harness(HARNESS, model_spec, lr), ["optimizer"], FUNC)
    opt = C.expect_dict(reply["optimizer"], ["is_optimizer", "type"], FUNC)
    if not opt["is_optimizer"]:
        fail(f"make_optimizer must return a torch.optim optimizer (e.g. torch.optim.Adam(params, lr=lr)); "
             f"it returned {opt['type']}.",
             f"make_optimizer는 torch.optim 옵티마이저(예: torch.optim.Adam(params, lr=lr))를 반환해야 하는데 "
             f"{opt['type']}을(를) 반환했습니다.")
    return opt


def _check_params(opt, trainable, case_en, case_ko):
    names = [n for group in opt.get("groups", []) for n in group.get("params", [])]
    expected = {n for n, flag in trainable.items() if flag}
    frozen = sorted(set(names) - expected)
    missing = sorted(expected - set(names))
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if frozen:
        fail(f"{case_en}: the optimizer also holds frozen parameters ({C.names_list(frozen)}). Give it only "
             f"the parameters with p.requires_grad.",
             f"{case_ko}: 옵티마이저에 동결된 파라미터도 들어 있습니다({C.names_list(frozen)}). "
             f"p.requires_grad인 파라미터만 넘기세요.")
    if missing:
        hint_en = hint_ko = ""
        if all(n.startswith("features.") for n in missing):
            hint_en = ("\nHint: model.classifier.parameters() is not enough: when fine-tuning, the last block is "
                       "trainable too. Select the parameters by p.requires_grad.")
            hint_ko = ("\n힌트: model.classifier.parameters()로는 부족합니다. 미세 조정 때는 마지막 블록도 훈련 "
                       "가능합니다. p.requires_grad로 파라미터를 고르세요.")
        fail(f"{case_en}: the optimizer misses trainable parameters: {C.names_list(missing)}.{hint_en}",
             f"{case_ko}: 옵티마이저에 훈련 가능한 파라미터가 빠졌습니다: {C.names_list(missing)}.{hint_ko}")
    check(not duplicated, f"{case_en}: parameters appear twice: {C.names_list(duplicated)}.",
          f"{case_ko}: 파라미터가 두 번 들어 있습니다: {C.names_list(duplicated)}.")


@title("feature extractor: exactly the classifier's parameters", "특성 추출기: 정확히 분류기의 파라미터만")
@pytest.mark.weight(2)
def test_feature_extractor(student):
    channels = C.tl_model.CHANNELS
    trainable = C.flags(channels, features=False)
    opt = _optimizer(student, channels, trainable, 0.01, pretrained=True)
    _check_params(opt, trainable, "base frozen", "합성곱 기반 동결")


@title("fine-tuning: last block and classifier", "미세 조정: 마지막 블록과 분류기")
@pytest.mark.weight(2)
def test_fine_tuning(student):
    channels = C.tl_model.CHANNELS
    trainable = C.flags(channels, features=False, last_block=True)
    opt = _optimizer(student, channels, trainable, 0.001, pretrained=True)
    _check_params(opt, trainable, "last block and classifier trainable", "마지막 블록과 분류기 훈련 가능")


@title("everything trainable, another architecture", "모두 훈련 가능, 다른 구조")
def test_all_trainable(student):
    trainable = C.flags(C.NARROW)
    opt = _optimizer(student, C.NARROW, trainable, 0.003)
    _check_params(opt, trainable, "three-block network, nothing frozen", "블록 3개 신경망, 동결 없음")


@title("uses the learning rate it is given", "받은 학습률을 사용")
@pytest.mark.weight(2)
def test_learning_rate(student):
    channels = C.tl_model.CHANNELS
    for lr in (0.0123, 0.5):
        opt = _optimizer(student, channels, C.flags(channels, features=False), lr, pretrained=True)
        rates = [g.get("hyper", {}).get("lr") for g in opt.get("groups", [])]
        check(rates and all(isinstance(r, (int, float)) and abs(r - lr) <= 1e-12 * max(1.0, lr) for r in rates),
              f"make_optimizer(model, lr={lr}) gave an optimizer with learning rate(s) {rates}: pass lr=lr.",
              f"make_optimizer(model, lr={lr})가 학습률 {rates}인 옵티마이저를 만들었습니다. lr=lr을 넘기세요.")
