"""Hidden tests: collect_activations(model, layer_names, x) -> {name: tensor}.

The worker cannot receive a model: inside_harness.check_collect_activations
builds the pretrained DigitCNN there, calls the student's function and
returns the activations as arrays, the number of hooks left on the model, its
mode, and what was raised.  The grader builds the same model and compares with
the reference (which itself is checked against plain module calls by
tests/test_assignments/test_cnn_inside_reference.py).

Known mistakes: a hook left behind (no handle.remove(), or not in a finally:
block when the forward pass raises), the model switched to train/eval mode,
outputs still attached to the graph, keys that are not the given names,
forward_pre_hooks (the inputs instead of the outputs).
"""
import numpy as np
import pytest
import torch

import _inside_cases as C
from autograder.checks import Hint, check, expect_close, fail

FUNC = "collect_activations"
HARNESS = "inside_harness:check_collect_activations"
title = C.titler(FUNC)
DIGIT = {"digit": 0}


def _run(student, spec, names, x, wrong_input=False):
    reply = student.harness(HARNESS, spec, names, x, wrong_input)
    return C.expect_reply(reply, ["raised", "returned", "hooks_left", "training"], FUNC)


def _returned_normally(reply, names):
    if reply["raised"]:
        fail(f"collect_activations raised {reply['raised']} on the pretrained network and layers {names}.",
             f"collect_activations가 사전 훈련된 신경망과 층 {names}에서 {reply['raised']}를 일으켰습니다.")


def _expected(ref, spec, names, x):
    activations = ref.collect_activations(C.build(spec), list(names), torch.from_numpy(x))
    return {k: v.numpy() for k, v in activations.items()}


def _check_values(reply, ref, spec, names, x, tol):
    _returned_normally(reply, names)
    returned = reply["returned"] or {}
    if returned.get("kind") != "dict":
        got_en, got_ko = C.kind_of(returned)
        fail(f"collect_activations must return a dict name -> tensor; it returned {got_en}.",
             f"collect_activations는 이름 -> 텐서 딕셔너리를 반환해야 하는데 {got_ko}을(를) 반환했습니다.")
    items = returned.get("items") or {}
    check(sorted(items) == sorted(names),
          f"The dict's keys must be exactly the names asked for, {sorted(names)}; got {sorted(items)[:8]}.",
          f"딕셔너리의 키는 요청한 이름 {sorted(names)}와 정확히 같아야 하는데 {sorted(items)[:8]}입니다.")
    expected = _expected(ref, spec, names, x)
    for name in names:
        hints = [Hint.close_to(expected_input, "This is the input of the layer: use register_forward_hook (whose hook "
                               "receives the output), not a pre-hook.",
                               "층의 입력입니다. 출력을 받는 register_forward_hook을 쓰세요(pre-hook이 아니라).")
                 for expected_input in [C.layer_input(spec, name, x)] if expected_input is not None]
        expect_close(C.as_array(items[name]), expected[name], inputs={"layer": name, "x": x}, tol=tol, hints=hints,
                     what=(f"the activation of {name}", f"{name}의 활성화"))


@title("activations of three layers of the pretrained network", "사전 훈련된 신경망의 세 층의 활성화")
@pytest.mark.weight(3)
def test_values(student, ref, tol, rng):
    x = C.digits(6, int(rng.integers(0, 170)))
    names = ["features.0.1", "features.1.1", "features"]
    _check_values(_run(student, DIGIT, names, x), ref, DIGIT, names, x, tol)


@title("other layers: a convolution, a whole block, the classifier", "다른 층: 합성곱, 블록 전체, 분류기")
def test_other_layers(student, ref, tol, rng):
    x = C.digits(4, int(rng.integers(0, 170)))
    names = ["features.0.0", "features.2", "classifier"]
    _check_values(_run(student, DIGIT, names, x), ref, DIGIT, names, x, tol)


@title("no hook is left on the model", "모델에 훅이 남지 않음")
@pytest.mark.weight(2)
def test_no_hook_left(student):
    reply = _run(student, DIGIT, ["features.0.1", "features"], C.digits(2))
    _returned_normally(reply, ["features.0.1", "features"])
    left = reply["hooks_left"]
    check(left == 0, f"{left} hook(s) were still registered on the model after collect_activations returned: keep the "
          f"handles returned by register_forward_hook and call handle.remove() on each.",
          f"collect_activations가 끝난 뒤에도 모델에 훅 {left}개가 남아 있습니다. register_forward_hook이 돌려준 "
          f"핸들을 보관했다가 각각 handle.remove()를 호출하세요.")


@title("hooks are removed even when the forward pass raises", "순전파가 예외를 일으켜도 훅을 제거")
def test_hooks_removed_on_error(student):
    _returned_normally(_run(student, DIGIT, ["features.0.1"], C.digits(1)), ["features.0.1"])
    reply = _run(student, DIGIT, ["features.0.1", "features.1.1"], C.digits(2), wrong_input=True)
    left = reply["hooks_left"]
    check(left == 0, f"On an input the network refuses (2 channels instead of 1), the forward pass raised and {left} "
          f"hook(s) stayed on the model: remove them in a finally: block.",
          f"신경망이 받지 않는 입력(채널 1개 대신 2개)에서 순전파가 예외를 일으켰고 훅 {left}개가 모델에 남았습니다. "
          f"finally: 블록에서 제거하세요.")


@title("the model's mode is unchanged and the outputs are detached", "모델 모드 유지, 출력은 그래프에서 분리")
def test_mode_and_detached(student):
    spec = {"digit": 0, "training": True}
    reply = _run(student, spec, ["features.0.1"], C.digits(2))
    _returned_normally(reply, ["features.0.1"])
    check(reply["training"] is True,
          "The model was in training mode and your function switched it to eval mode: do not call model.eval() "
          "here (the caller decides the mode).",
          "모델은 훈련 모드였는데 함수가 평가 모드로 바꾸었습니다. 여기서 model.eval()을 호출하지 마세요(모드는 "
          "호출하는 쪽이 정합니다).")
    attached = (reply["returned"] or {}).get("requires_grad") or []
    check(not attached, f"The activations of {attached} still require grad: run the model under torch.no_grad() or "
          f".detach() the outputs.",
          f"{attached}의 활성화가 여전히 기울기를 요구합니다. torch.no_grad() 아래에서 실행하거나 출력을 .detach()하세요.")
