"""Hidden tests: evaluate(model, loader) -> accuracy in [0, 1].

The worker builds the model (the pretrained network on the source task,
optionally with a strong dropout layer before the classifier), a DataLoader
over images the grader sends, calls the student's function and returns the
value, how the model was called (training mode, autograd on; a forward
pre-hook) and its parameters afterwards.  The grader computes the accuracy of
an identical model with the reference function.

Known mistakes: no model.eval() (dropout active: a different, random
accuracy), no torch.no_grad(), accuracy in percent, the mean of per-batch
accuracies (last batch smaller), counting per batch only the last batch,
returning a tensor, training or changing the model.
"""
import numpy as np
import pytest
import torch

import _tl_cases as C
from autograder.checks import check, fail

FUNC = "evaluate"
HARNESS = "tl_harness:check_evaluate"
DROPOUT = 0.9


def title(en, ko):
    return pytest.mark.title(en=f"{FUNC}: {en}", ko=f"{FUNC}: {ko}")


def _data(n, seed):
    x, y = C.source_test()
    order = np.random.default_rng(seed).permutation(len(y))[:n]
    return x[order], y[order]


def _run(student, ref, n, batch_size, seed=0, dropout=0.0, training=True):
    model_spec = dict(C.PRETRAINED, dropout=dropout, training=training)
    x, y = _data(n, seed)
    reply = C.expect_dict(student.harness(HARNESS, model_spec, x, y, batch_size),
                          ["returned", "model", "calls"], FUNC)
    with C.single_thread():
        expected = float(ref.evaluate(C.build(model_spec), C.tl_data.make_loader(x, y, batch_size)))
    return reply, expected, x, y


def _batch_mean(ref, x, y, batch_size):
    model = C.build(dict(C.PRETRAINED))
    accs = [float(ref.evaluate(model, C.tl_data.make_loader(xb, yb, len(yb))))
            for xb, yb in ((x[i:i + batch_size], y[i:i + batch_size]) for i in range(0, len(y), batch_size))]
    return float(np.mean(accs))


# A float32 tensor rounds at ~1e-7; one sample of 180 is 5.6e-3: 1e-6 tells them apart safely.
VALUE_TOL = 1e-6


def _same(value, expected) -> bool:
    return value is not None and abs(value - expected) <= VALUE_TOL


def _check_value(reply, expected, case_en, case_ko, hints=()):
    value = C.as_number(C.returned_value(reply))
    if _same(value, expected):
        return value
    got_en, got_ko = C.describe_return(reply)
    hints = list(hints)
    if _same(value, 100 * expected):
        hints.append(("This is the accuracy in percent: return a fraction between 0 and 1.",
                      "백분율 정확도입니다. 0과 1 사이의 비율을 반환하세요."))
    fail(f"{case_en}: expected accuracy {expected:.6f}, got {got_en}." + "".join("\nHint: " + en for en, _ in hints),
         f"{case_ko}: 정확도 {expected:.6f}이어야 하는데 {got_ko}입니다." + "".join("\n힌트: " + ko for _, ko in hints),
         got=value, expected=None if hints else expected)   # no hint of its own: the generic diagnosis


@title("accuracy of the pretrained network on 180 images", "사전 훈련된 신경망의 이미지 180장 정확도")
@pytest.mark.weight(2)
def test_accuracy(student, ref):
    reply, expected, _, _ = _run(student, ref, 180, 50, training=False)
    _check_value(reply, expected, "180 source images in batches of 50, 50, 50, 30", "원래 과제 이미지 180장, 50, 50, 50, 30장 배치")


@title("switches dropout off (model.eval())", "드롭아웃을 끔 (model.eval())")
@pytest.mark.weight(2)
def test_eval_mode(student, ref):
    # Judged by the mode the model ran in, so that a wrong averaging or a percentage (other tests) does
    # not fail this one too.  A model that ran in training mode still passes if its value is exactly
    # the one with dropout off (e.g. only model.features.eval() was called, which holds the dropout).
    reply, expected, _, _ = _run(student, ref, 180, 60, dropout=DROPOUT, training=True)
    calls = C.forward_calls(reply)
    in_train = [c for c in calls if c.get("training")]
    value = C.as_number(C.returned_value(reply))
    got_en, got_ko = C.describe_return(reply)
    check(not in_train or _same(value, expected),
          f"model with dropout (p={DROPOUT}), in training mode when evaluate is called: it was still in training "
          f"mode during evaluation ({len(in_train)} of {len(calls)} forward passes), so dropout dropped random "
          f"features: got {got_en}, expected {expected:.6f} with dropout off.\n"
          f"Hint: call model.eval() before measuring, so that the accuracy does not change from run to run.",
          f"드롭아웃(p={DROPOUT})이 있는 모델, evaluate 호출 당시 훈련 모드: 평가 중에도 훈련 모드였으므로"
          f"(순전파 {len(calls)}번 중 {len(in_train)}번) 드롭아웃이 무작위로 특성을 버렸습니다. "
          f"결과는 {got_ko}, 드롭아웃을 끄면 {expected:.6f}입니다.\n"
          f"힌트: 정확도를 재기 전에 model.eval()을 호출해야 실행할 때마다 정확도가 달라지지 않습니다.")


@title("runs without building a graph (torch.no_grad())", "계산 그래프 없이 실행 (torch.no_grad())")
def test_no_grad(student, ref):
    reply, _, _, _ = _run(student, ref, 60, 30, training=False)
    calls = reply["calls"] if type(reply["calls"]) is list else []
    with_grad = [c for c in calls if type(c) is dict and c.get("grad_enabled")]
    check(calls and not with_grad,
          f"Autograd was on during evaluation ({len(with_grad)} of {len(calls)} forward passes): wrap the loop in "
          f"`with torch.no_grad():` (no graph is needed to measure accuracy: faster, less memory).",
          f"평가 중 autograd가 켜져 있었습니다(순전파 {len(calls)}번 중 {len(with_grad)}번). 루프를 "
          f"`with torch.no_grad():`로 감싸세요(정확도를 재는 데 그래프는 필요 없습니다. 더 빠르고 메모리도 덜 씁니다).")


@title("a smaller last batch counts by its samples", "작은 마지막 배치도 샘플 수만큼 반영")
@pytest.mark.weight(2)
def test_uneven_batches(student, ref):
    # 50 images in batches of 16, 16, 16, 2 with the hardest images at the end
    x, y = _data(180, 7)
    model = C.build(dict(C.PRETRAINED))
    with torch.no_grad():
        wrong = (model(torch.from_numpy(x)).argmax(1).numpy() != y)
    order = np.concatenate([np.flatnonzero(~wrong)[:48], np.flatnonzero(wrong)[:2]])
    if len(order) < 50:  # the pretrained network makes too few mistakes: use any images
        order = np.arange(50)
    xs, ys = x[order], y[order]
    reply = C.expect_dict(student.harness(HARNESS, dict(C.PRETRAINED, training=False), xs, ys, 16),
                          ["returned", "model", "calls"], FUNC)
    with C.single_thread():
        expected = float(ref.evaluate(C.build(dict(C.PRETRAINED)), C.tl_data.make_loader(xs, ys, 16)))
        batch_mean = _batch_mean(ref, xs, ys, 16)
    value = C.as_number(C.returned_value(reply))
    hints = []
    if not _same(batch_mean, expected) and _same(value, batch_mean):
        hints.append(("This is the mean of the per-batch accuracies; the last batch has only 2 images. "
                      "Count the correct predictions over all batches and divide by the number of samples.",
                      "배치별 정확도의 평균입니다. 마지막 배치는 2장뿐입니다. 모든 배치의 맞힌 개수를 세어 "
                      "샘플 수로 나누세요."))
    _check_value(reply, expected, "50 images in batches of 16, 16, 16, 2", "이미지 50장을 16, 16, 16, 2장 배치로",
                 hints)


@title("returns a float between 0 and 1", "0과 1 사이의 float를 반환")
def test_returns_float(student, ref):
    reply, expected, _, _ = _run(student, ref, 30, 30, seed=3, training=False)
    value = C.returned_value(reply)
    got_en, got_ko = C.describe_return(reply)
    number = C.as_number(value)
    check(number is not None and 0.0 <= number <= 1.0,
          f"evaluate must return a fraction between 0 and 1, got {got_en}.",
          f"evaluate는 0과 1 사이의 비율을 반환해야 하는데 {got_ko}입니다.")
    check(C.is_python_float(value),
          f"evaluate must return a float; it returned {got_en} (use .item() on tensors, and true division).",
          f"evaluate는 float를 반환해야 하는데 {got_ko}입니다(텐서에는 .item()을 쓰고, 나눗셈은 / 를 쓰세요).")


@title("does not change the model", "모델을 바꾸지 않음")
def test_model_unchanged(student, ref):
    reply, _, _, _ = _run(student, ref, 40, 20, seed=5, training=False)
    before = C.pretrained_state()
    changed = C.changed_names(before, reply["model"].get("state") or {}, before)
    check(not changed,
          f"evaluate changed the model's parameters ({C.names_list(changed)}): it must only measure.",
          f"evaluate가 모델의 파라미터를 바꾸었습니다({C.names_list(changed)}). 측정만 해야 합니다.")
