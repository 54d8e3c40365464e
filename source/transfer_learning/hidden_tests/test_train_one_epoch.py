"""Hidden tests: train_one_epoch(model, loader, optimizer, loss_fn) -> float.

The worker builds the model (parameters and requires_grad flags chosen by the
grader, set directly), a DataLoader without shuffling over images the grader
sends, torch.optim.SGD over the trainable parameters and
nn.CrossEntropyLoss(), calls the student's function, and returns the
parameters afterwards, the returned value, how the model was called (training
mode, autograd on, batch sizes; a forward pre-hook) and the number of
optimizer steps.  The grader repeats the epoch with the reference function on
an identical model and compares.

Known mistakes: no zero_grad (gradients accumulate over batches), zero_grad
after step (stale gradients of an earlier backward used in the first step), no
optimizer.step() or no backward(), a new optimizer inside the function,
forgetting model.train(), the mean of batch losses instead of the mean over
samples (last batch smaller), returning the loss tensor instead of a float,
returning the last batch's loss or the sum.
"""
import numpy as np
import pytest
import torch

import _tl_cases as C
from autograder.checks import check, fail

FUNC = "train_one_epoch"
HARNESS = "tl_harness:check_train_one_epoch"
CH = C.tl_model.CHANNELS


def title(en, ko):
    return pytest.mark.title(en=f"{FUNC}: {en}", ko=f"{FUNC}: {ko}")


def _head_state(seed):
    g = torch.Generator().manual_seed(seed)
    return {"classifier.weight": 0.1 * torch.randn(5, 128, generator=g), "classifier.bias": torch.zeros(5)}


def _setup(n, *, last_block=False, seed=0, stale=False):
    state = C.pretrained_state()
    state.update(_head_state(seed))
    trainable = C.flags(CH, features=False, last_block=True if last_block else None)
    x, y = C.target("train")
    order = np.random.default_rng(seed).permutation(len(y))[:n]
    model_spec = dict(C.spec(CH, state=C.wire(state), trainable=trainable, training=False))
    if stale:
        g = torch.Generator().manual_seed(seed + 1)
        model_spec["grads"] = C.wire({name: torch.randn(state[name].shape, generator=g)
                                      for name, flag in trainable.items() if flag})
    return model_spec, x[order], y[order], [n for n, flag in trainable.items() if flag]


def _reference(ref, model_spec, x, y, batch_size, lr, optimized):
    model = C.build(model_spec)
    parameters = dict(model.named_parameters())
    optimizer = torch.optim.SGD([parameters[n] for n in optimized], lr=lr)
    loader = C.tl_data.make_loader(x, y, batch_size, shuffle=False)
    with C.single_thread():
        value = ref.train_one_epoch(model, loader, optimizer, torch.nn.CrossEntropyLoss())
    return C.state_of(model), value


def _run(student, ref, model_spec, x, y, batch_size, lr, optimized):
    reply = C.expect_dict(student.harness(HARNESS, model_spec, x, y, batch_size, lr, optimized),
                          ["returned", "model", "calls", "steps"], FUNC)
    state, value = _reference(ref, model_spec, x, y, batch_size, lr, optimized)
    reply["_initial"] = model_spec["state"]
    return reply, state, value


def _compare_parameters(reply, expected, optimized, batches, case_en, case_ko, extra_hint=("", "")):
    got = (reply.get("model") or {}).get("state") or {}
    frozen = [n for n in expected if n not in optimized]
    moved = C.changed_names(expected, got, frozen)
    check(not moved,
          f"{case_en}: frozen parameters changed ({C.names_list(moved)}).",
          f"{case_ko}: 동결된 파라미터가 바뀌었습니다({C.names_list(moved)}).")
    wrong = [n for n in optimized if not C.tensors_close(got.get(n), expected[n])]
    if not wrong:
        return
    steps = reply.get("steps")
    hints = []
    initial = reply.get("_initial") or {}
    if steps == 0:
        hints.append(("optimizer.step() was never called on the optimizer you were given: the weights did not "
                      "move. Call loss.backward() then optimizer.step() for every batch.",
                      "받은 옵티마이저의 optimizer.step()이 한 번도 호출되지 않아 가중치가 그대로입니다. 배치마다 "
                      "loss.backward() 다음에 optimizer.step()을 호출하세요."))
    elif isinstance(steps, int) and steps != batches:
        hints.append((f"optimizer.step() was called {steps} times for {batches} batches: once per batch.",
                      f"배치가 {batches}개인데 optimizer.step()이 {steps}번 호출되었습니다. 배치마다 한 번입니다."))
    elif initial and not C.changed_names(initial, got, optimized):
        hints.append(("The trainable weights did not move: compute loss.backward() before optimizer.step() "
                      "(without gradients the optimizer has nothing to apply).",
                      "훈련 가능한 가중치가 그대로입니다. optimizer.step() 전에 loss.backward()를 계산하세요"
                      "(기울기가 없으면 옵티마이저가 적용할 것이 없습니다)."))
    elif extra_hint[0]:
        hints.append(extra_hint)
    fail(f"{case_en}: after the epoch, the trained parameters differ from a correct epoch "
         f"(first: {wrong[0]}, {len(wrong)} of {len(optimized)} tensors differ)."
         + "".join("\nHint: " + en for en, _ in hints),
         f"{case_ko}: 한 에폭 후 훈련된 파라미터가 올바른 결과와 다릅니다"
         f"(첫 번째: {wrong[0]}, 텐서 {len(optimized)}개 중 {len(wrong)}개가 다름)."
         + "".join("\n힌트: " + ko for _, ko in hints))


ZERO_GRAD_HINT = ("Gradients accumulate in .grad: call optimizer.zero_grad() at the start of every batch, "
                  "before loss.backward().",
                  "기울기는 .grad에 누적됩니다. 배치마다 처음에, loss.backward() 전에 optimizer.zero_grad()를 호출하세요.")


@title("one SGD step on one batch", "배치 하나로 SGD 한 단계")
@pytest.mark.weight(2)
def test_one_step(student, ref):
    model_spec, x, y, optimized = _setup(8)
    reply, expected, _ = _run(student, ref, model_spec, x, y, 8, 0.5, optimized)
    _compare_parameters(reply, expected, optimized, 1, "8 images, batch_size 8, SGD lr 0.5",
                        "이미지 8장, batch_size 8, SGD lr 0.5")


@title("several batches (gradients reset between batches)", "여러 배치 (배치마다 기울기 초기화)")
@pytest.mark.weight(2)
def test_several_batches(student, ref):
    model_spec, x, y, optimized = _setup(20, last_block=True, seed=1)
    reply, expected, _ = _run(student, ref, model_spec, x, y, 8, 0.2, optimized)
    _compare_parameters(reply, expected, optimized, 3, "20 images in batches of 8, 8, 4; last block and "
                        "classifier trainable", "이미지 20장을 8, 8, 4장 배치로; 마지막 블록과 분류기 훈련",
                        ZERO_GRAD_HINT)


@title("old gradients left in .grad are not used", ".grad에 남은 이전 기울기를 쓰지 않음")
def test_stale_gradients(student, ref):
    model_spec, x, y, optimized = _setup(12, seed=2, stale=True)
    reply, expected, _ = _run(student, ref, model_spec, x, y, 6, 0.3, optimized)
    _compare_parameters(reply, expected, optimized, 2,
                        "the trainable parameters start with leftover gradients in .grad (from an earlier backward)",
                        "훈련 가능한 파라미터의 .grad에 이전 backward의 기울기가 남아 있는 상태",
                        ("Reset the gradients at the start of each batch (optimizer.zero_grad() before the forward "
                         "pass), not only after optimizer.step(): otherwise the first step uses leftover gradients.",
                         "각 배치의 처음에(순전파 전에 optimizer.zero_grad()) 기울기를 초기화하세요. optimizer.step() 뒤에만 "
                         "하면 첫 단계가 남아 있던 기울기를 사용합니다."))


@title("puts the model in training mode", "모델을 훈련 모드로 전환")
def test_training_mode(student, ref):
    model_spec, x, y, optimized = _setup(10, seed=3)
    reply, _, _ = _run(student, ref, model_spec, x, y, 5, 0.1, optimized)
    calls = C.forward_calls(reply)
    in_eval = [c for c in calls if not c.get("training")]
    check(not in_eval,
          f"The model ran in evaluation mode ({len(in_eval)} of {len(calls)} forward passes; it was in eval mode "
          f"when train_one_epoch was called). Call model.train() at the start: dropout and batch normalisation "
          f"behave differently in training.",
          f"모델이 평가 모드로 실행되었습니다(순전파 {len(calls)}번 중 {len(in_eval)}번; train_one_epoch 호출 당시 "
          f"평가 모드였습니다). 처음에 model.train()을 호출하세요. 드롭아웃과 배치 정규화는 훈련 때 다르게 동작합니다.")


# The averaging test trains with lr 0: the parameters stay put, so the batch losses do not depend on
# zero_grad or step, and a mistake there (caught by the tests above) does not also fail this test.
MEAN_LOSS_LR = 0.0


def _loss_hints(value, x, y, batch_size, reference_value, ref, model_spec, optimized):
    """Recognise the mean of batch means, the sum, the last batch."""
    model = C.build(model_spec)
    parameters = dict(model.named_parameters())
    optimizer = torch.optim.SGD([parameters[n] for n in optimized], lr=MEAN_LOSS_LR)
    batch_losses, sizes = [], []
    for xb, yb in C.tl_data.make_loader(x, y, batch_size):
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(xb), yb)
        loss.backward()
        optimizer.step()
        batch_losses.append(loss.item())
        sizes.append(len(yb))
    candidates = [
        (float(np.mean(batch_losses)), "This is the mean of the batch losses; with a smaller last batch the mean "
         "over samples is sum(loss.item() * batch_size) / number of samples.",
         "배치 손실들의 평균입니다. 마지막 배치가 작으면 샘플 평균은 sum(loss.item() * 배치 크기) / 샘플 수입니다."),
        (float(np.dot(batch_losses, sizes)), "This is the sum of the losses: divide by the number of samples.",
         "손실의 합입니다. 샘플 수로 나누세요."),
        (batch_losses[-1], "This is the loss of the last batch only: average over the whole epoch.",
         "마지막 배치의 손실뿐입니다. 에폭 전체에 대해 평균을 내세요."),
    ]
    return [(en, ko) for c, en, ko in candidates
            if abs(c - reference_value) > 1e-4 and value is not None and abs(value - c) <= 1e-4 * max(1, abs(c))]


@title("returns the mean loss over samples", "샘플 전체의 평균 손실을 반환")
@pytest.mark.weight(2)
def test_mean_loss(student, ref):
    model_spec, x, y, optimized = _setup(10, seed=4)
    reply, _, expected = _run(student, ref, model_spec, x, y, 4, MEAN_LOSS_LR, optimized)
    value = C.as_number(C.returned_value(reply))
    if value is None or not abs(value - expected) <= 1e-4 * max(1.0, abs(expected)):
        got_en, got_ko = C.describe_return(reply)
        hints = _loss_hints(value, x, y, 4, expected, ref, model_spec, optimized)
        fail(f"10 images in batches of 4, 4, 2: expected the mean loss over the 10 samples, {expected:.6f}; "
             f"got {got_en}." + "".join("\nHint: " + en for en, _ in hints),
             f"이미지 10장을 4, 4, 2장 배치로: 샘플 10개의 평균 손실 {expected:.6f}이어야 하는데 {got_ko}입니다."
             + "".join("\n힌트: " + ko for _, ko in hints),
             got=value, expected=None if hints else expected)   # no hint of its own: the generic diagnosis


@title("returns a Python float", "파이썬 float를 반환")
def test_returns_float(student, ref):
    model_spec, x, y, optimized = _setup(6, seed=5)
    reply, _, _ = _run(student, ref, model_spec, x, y, 3, 0.1, optimized)
    value = C.returned_value(reply)
    got_en, got_ko = C.describe_return(reply)
    check(C.is_python_float(value),
          f"train_one_epoch must return a float; it returned {got_en}. Accumulate loss.item() (a float), "
          f"not the loss tensor (which also keeps the whole computation graph alive).",
          f"train_one_epoch은 float를 반환해야 하는데 {got_ko}을(를) 반환했습니다. 손실 텐서가 아니라 "
          f"loss.item()(float)을 누적하세요(텐서는 계산 그래프 전체를 붙잡아 둡니다).")
