"""End-to-end grading of a settings dictionary (shared by the two config suites).

The worker trains with the student's own functions and settings
(tl_harness.run_*) and returns the final parameters; the grader loads them
into its own DigitCNN and measures the accuracy on the hidden test split
(the worker sees neither the test images nor their labels).  If that run
fails (an exception, a changed frozen block, too low an accuracy), the grader
repeats it here with the reference functions and the same settings (and the
student's choice of optimizer): when that passes, the settings are fine and
the failure belongs to the functions, which lose points in their own
questions only.
"""
from __future__ import annotations

import math

import _tl_cases as C
from autograder.checks import fail
from autograder.session import StudentError, StudentException

SEED = 0
BUDGET_S = 8.0


def config(student, name: str) -> dict:
    reply = student.harness("tl_harness:get_config", name)
    if type(reply) is not dict or not reply.get("defined"):
        fail(f"{name} is not defined: replace `raise NotImplementedError()` in its cell with "
             f'{name} = {{"lr": ..., "epochs": ..., "batch_size": ...}} and run the cell.',
             f"{name}이(가) 정의되어 있지 않습니다. 그 셀의 `raise NotImplementedError()`를 "
             f'{name} = {{"lr": ..., "epochs": ..., "batch_size": ...}}로 바꾸고 셀을 실행하세요.')
    cfg, problems = C.valid_config(reply)
    if problems:
        fail(f"{name} is not valid: " + "; ".join(en for en, _ in problems) + ".",
             f"{name}이(가) 올바르지 않습니다: " + "; ".join(ko for _, ko in problems) + ".")
    return cfg


def plan(stages) -> dict:
    x, y = C.target("train")
    return {"seed": SEED, "num_classes": 5, "budget_s": BUDGET_S, "images": x, "labels": y, "stages": stages}


def assess(ref, out, frozen_blocks, trained_block, threshold) -> tuple[bool, float | None, list]:
    """(passed, accuracy, problems) of a run's output; problems are (en, ko) pairs."""
    if type(out) is not dict or type(out.get("model")) is not dict:
        return False, None, [("the run returned nothing usable", "실행 결과를 읽을 수 없습니다")]
    problems = []
    if out.get("stopped"):
        problems.append((f"training was stopped after {BUDGET_S:g} s (fewer epochs or larger batches)",
                         f"훈련이 {BUDGET_S:g}초 후에 중단되었습니다(에폭을 줄이거나 배치를 키우세요)"))
    state = out["model"].get("state") or {}
    before = C.pretrained_state()
    frozen = [n for n in before if C.block_of(n) in frozen_blocks]
    changed = C.changed_names(before, state, frozen)
    if changed:
        problems.append((f"frozen weights changed ({C.names_list(changed)})",
                         f"동결된 가중치가 바뀌었습니다({C.names_list(changed)})"))
    if trained_block is not None:
        block = [n for n in before if C.block_of(n) == trained_block]
        if not C.changed_names(before, state, block):
            problems.append(("the last block was not trained", "마지막 블록이 훈련되지 않았습니다"))
    x_test, y_test = C.target("test")
    accuracy = C.accuracy_of(ref, state, x_test, y_test)
    if accuracy is None:
        problems.append(("the trained model does not have the expected layers (a DigitCNN with an nn.Linear "
                         "classifier of 5 outputs)",
                         "훈련된 모델의 층 구성이 예상과 다릅니다(출력 5개의 nn.Linear 분류기를 가진 DigitCNN)"))
    elif accuracy < threshold:
        problems.append((f"test accuracy {accuracy:.3f} < {threshold:g}",
                         f"테스트 정확도 {accuracy:.3f} < {threshold:g}"))
    return not problems, accuracy, problems


def _loss_hints(out, cfg) -> list:
    losses = (out or {}).get("losses") or []
    last = [l for l in (losses[-1] if losses else []) if isinstance(l, float)]
    if not last:
        return []
    if any(math.isnan(l) or math.isinf(l) for l in last) or (len(last) > 2 and last[-1] > last[0]):
        return [("the training loss grew or became nan: the learning rate is too large",
                 "훈련 손실이 커지거나 nan이 되었습니다: 학습률이 너무 큽니다")]
    if last[-1] > 0.6:
        return [(f"the training loss is still {last[-1]:.2f} after {len(last)} epochs: train longer "
                 f"(more epochs) or with a larger learning rate",
                 f"{len(last)} 에폭 후에도 훈련 손실이 {last[-1]:.2f}입니다: 더 오래(에폭 증가) 또는 더 큰 학습률로 "
                 f"훈련하세요")]
    return []


def grade(student, ref, *, harness, name, cfg, stages, frozen_blocks, trained_block, threshold,
          smaller_lr_than=None, note=None):
    """Pass, or fail with an explanation; ``note`` (the runner's fixture) receives the accuracy reached."""
    note = note or (lambda en, ko=None: None)
    run_plan = plan(stages)
    error = None
    try:
        out = student.harness(harness, run_plan)
    except StudentError as exc:
        out, error = None, exc
    ok, accuracy, problems = assess(ref, out, frozen_blocks, trained_block, threshold)
    if ok:
        n_test = len(C.target("test")[1])
        note(f"test accuracy {accuracy:.3f} on {n_test} hidden images, needed {threshold:g}",
             f"숨겨진 이미지 {n_test}장의 테스트 정확도 {accuracy:.3f}, 기준 {threshold:g}")
        return
    # Was it the settings or the functions?  Same run with the reference functions.
    descriptions = (out or {}).get("optimizers") if type(out) is dict else None
    if descriptions is None and isinstance(error, StudentException):
        try:
            spec = dict(C.PRETRAINED, trainable=C.flags(C.tl_model.CHANNELS, features=False))
            described = student.harness("tl_harness:describe_optimizer", spec, cfg["lr"])
            descriptions = [described.get("optimizer")] * len(stages) if type(described) is dict else None
        except StudentError:
            descriptions = None
    ref_out = C.reference_run(ref, run_plan, descriptions or ())
    ref_ok, ref_accuracy, ref_problems = assess(ref, ref_out, frozen_blocks, trained_block, threshold)
    if ref_ok:  # the settings work; the functions are graded in their own questions
        note(f"with correct functions these settings reach test accuracy {ref_accuracy:.3f} (needed {threshold:g}); "
             f"your own functions did not, see their questions",
             f"올바른 함수로는 이 설정의 테스트 정확도가 {ref_accuracy:.3f}입니다(기준 {threshold:g}). 여러분의 함수로는 "
             f"그렇지 않았으니 해당 함수 문제를 보세요")
        return
    shown = ", ".join(f'"{k}": {cfg[k]!r}' for k in ("lr", "epochs", "batch_size"))
    if error is not None:
        yours_en = f"\nWith your own functions the run stopped with an error ({str(error)[:150]})."
        yours_ko = f"\n여러분의 함수로는 실행 중 오류가 났습니다({str(error)[:150]})."
    else:
        yours_en = "\nWith your own functions: " + "; ".join(en for en, _ in problems) + "."
        yours_ko = "\n여러분의 함수로는: " + "; ".join(ko for _, ko in problems) + "."
    hints = _loss_hints(ref_out, cfg)
    if smaller_lr_than is not None and cfg["lr"] >= smaller_lr_than:
        hints.append((f"fine-tune with a smaller learning rate than the feature extractor's ({smaller_lr_than:g}), "
                      f"typically 3 to 10 times smaller: large steps destroy the pretrained features",
                      f"특성 추출기({smaller_lr_than:g})보다 작은 학습률, 보통 3~10배 작은 값으로 미세 조정하세요: "
                      f"큰 보폭은 사전 훈련된 특성을 망가뜨립니다"))
    fail(f"{name} = {{{shown}}} does not train well enough (needed: test accuracy >= {threshold:g}). "
         f"With correct functions: " + "; ".join(en for en, _ in ref_problems) + "." + yours_en
         + "".join(f"\nHint: {en}." for en, _ in hints)
         + "\nTune the settings while watching the validation accuracy in the notebook.",
         f"{name} = {{{shown}}}로는 충분히 훈련되지 않습니다(기준: 테스트 정확도 >= {threshold:g}). "
         f"올바른 함수로 실행해도: " + "; ".join(ko for _, ko in ref_problems) + "." + yours_ko
         + "".join(f"\n힌트: {ko}." for _, ko in hints)
         + "\n노트북에서 검증 정확도를 보며 설정을 조정하세요.")
