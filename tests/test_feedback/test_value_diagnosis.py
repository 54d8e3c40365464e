"""Issue 19: a wrong returned VALUE gets a hint naming its class of mistake (autograder/feedback/diagnose*.py).

The corpus is tests/value_mistakes*.py: functions written from the issue's classes of value
mistakes (none raises) for both assignments, each with the diagnosis kind it must get,
and right variants (other styles, numerically equivalent rewrites) that must get none.

Measured on (inputs, expected, got) triples, the way a hidden test has them: the reference
function and the corpus function are called on copies of the same inputs; the diagnosis
sees the inputs, the reference's value and the student's value, and for every argument its
value before and after the student's call.  The figure for the README::

    python -m pytest tests/test_feedback/test_value_diagnosis.py -s -k share

A few numpy cases are also graded end to end with ``python -m autograder grade`` (packed in
one notebook like tests/test_assignments/test_corpus.py does), proving that the hook in autograder/engine/checks.py
and autograder/engine/runner.py brings the diagnosis into a test's feedback and its ``hints``.
The transfer-learning case graded end to end (the error rate as the accuracy) rides in a notebook of
the transfer corpus: tests/test_assignments/test_transfer_corpus.py::test_a_wrong_accuracy_is_named_as_its_complement.
"""
from __future__ import annotations

import copy
import sys
from pathlib import Path

import numpy as np
import pytest

from autograder.feedback.diagnose import diagnose, diagnose_mutation, same
from autograder.engine.reference import load_reference
from value_mistakes import Case
from value_mistakes_backward import BACKWARD, CNN_RIGHT
from value_mistakes_forward import FORWARD
from value_mistakes_transfer import TL, TL_RIGHT

CNN = FORWARD + BACKWARD

ROOT = Path(__file__).resolve().parents[2]
CNN_REF = ROOT / "source" / "cnn_step_by_step" / "cnn_step_by_step.ipynb"
TL_DIR = ROOT / "source" / "transfer_learning"
HELPERS = ("zero_pad", "conv_single_step", "create_mask_from_window", "distribute_value")


# --------------------------------------------------------------------------- numpy inputs
def _cnn_inputs(question: str, which: str) -> dict:
    """Arguments (in call order) of one call; non-square, stride 2 unless a case needs other ones."""
    rng = np.random.default_rng(19)
    if question == "conv_output_shape":
        if which == "s1p2":
            return {"input_shape": (9, 6, 3), "f": 3, "n_filters": 8, "pad": 2, "stride": 1}
        shape = (8, 5, 3) if which == "floor" else (9, 6, 3)
        return {"input_shape": shape, "f": 3, "n_filters": 8, "pad": 1, "stride": 2}
    if question == "conv_param_count":
        return {"f": 3, "n_C_prev": 4, "n_filters": 5}
    if question == "zero_pad":
        return {"X": rng.standard_normal((2, 4, 5, 3)), "pad": 2}
    if question == "conv_single_step":
        return {"a_slice_prev": rng.standard_normal((3, 3, 2)), "W": rng.standard_normal((3, 3, 2)),
                "b": rng.standard_normal((1, 1, 1))}
    if question in ("conv_forward", "conv_backward"):
        stride, pad, shape = (1, 2, (2, 5, 7, 2)) if which == "s1p2" else (2, 1, (3, 6, 7, 2))
        A, W, b = rng.standard_normal(shape), rng.standard_normal((3, 3, 2, 2)), rng.standard_normal((1, 1, 1, 2))
        hp = {"stride": stride, "pad": pad}
        if question == "conv_forward":
            return {"A_prev": A, "W": W, "b": b, "hparameters": hp}
        Z, cache = load_reference(CNN_REF).conv_forward(A, W, b, dict(hp))
        return {"dZ": rng.standard_normal(Z.shape), "cache": cache}
    mode = "average" if which == "average" else "max"
    if question == "pool_forward":
        A = rng.permutation(2 * 7 * 6 * 3).reshape(2, 7, 6, 3) / 8.0 - 10.0   # distinct values, no ties
        return {"A_prev": A, "hparameters": {"f": 3, "stride": 2}, "mode": mode}
    if question == "pool_backward":
        A = rng.permutation(2 * 6 * 6 * 3).reshape(2, 6, 6, 3) / 8.0 - 10.0
        return {"dA": rng.standard_normal((2, 3, 3, 3)), "cache": (A, {"f": 2, "stride": 2}), "mode": mode}
    if question == "create_mask_from_window":
        return {"x": np.array([[0.5, 2.0, -1.0], [0.1, 0.3, 0.2], [1.5, -0.4, 0.9]])}
    if question == "distribute_value":
        return {"dz": 2.0, "shape": (2, 3)}
    raise KeyError(question)


def _triple_cnn(case: Case):
    ref = load_reference(CNN_REF)
    inputs = _cnn_inputs(case.question, case.inputs)
    namespace = {"np": np, **{h: getattr(ref, h) for h in HELPERS}}
    exec(compile(case.source, case.name, "exec"), namespace)   # noqa: S102 - our own corpus
    expected = getattr(ref, case.question)(*copy.deepcopy(list(inputs.values())))
    args = copy.deepcopy(list(inputs.values()))
    got = namespace[case.question](*args)
    return inputs, expected, got, dict(zip(inputs, args))


# --------------------------------------------------------------------------- transfer-learning inputs
def _tl():
    torch = pytest.importorskip("torch")
    sys.path.insert(0, str(TL_DIR))
    try:
        import tl_model
    finally:
        sys.path.remove(str(TL_DIR))
    return torch, tl_model


def _flags(model) -> dict:
    return {name: bool(p.requires_grad) for name, p in model.named_parameters()}


def _triple_tl(case: Case):
    torch, tl_model = _tl()
    from torch import nn
    ref = load_reference(TL_DIR / "transfer_learning.ipynb")
    namespace = {"np": np, "torch": torch, "nn": nn}
    exec(compile(case.source, case.name, "exec"), namespace)    # noqa: S102 - our own corpus
    student = namespace[case.question]
    reference = getattr(ref, case.question)
    torch.manual_seed(0)
    model = tl_model.DigitCNN(channels=(4, 8, 8))
    g = torch.Generator().manual_seed(1)
    x, y = torch.randn(60, 1, 12, 12, generator=g), torch.randint(0, 5, (60,), generator=g)
    data = {"x": x.numpy(), "y": y.numpy(), "batch_size": 16}

    def loader():
        return torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=16, shuffle=False)

    if case.question == "evaluate":
        return data, reference(copy.deepcopy(model), loader()), student(copy.deepcopy(model), loader()), None
    if case.question == "train_one_epoch":
        def run(fn):
            m = copy.deepcopy(model)
            return fn(m, loader(), torch.optim.SGD(m.parameters(), lr=0.1), nn.CrossEntropyLoss())
        return {**data, "lr": 0.1}, run(reference), run(student), None
    if case.question == "replace_classifier":
        return ({"num_classes": 3}, reference(copy.deepcopy(model), 3).classifier.out_features,
                student(copy.deepcopy(model), 3).classifier.out_features, None)
    if case.question == "unfreeze_last_block":
        model.features.requires_grad_(False)
    before = _flags(model)
    return ({"trainable": before}, _flags(reference(copy.deepcopy(model))), _flags(student(copy.deepcopy(model))),
            None)


def _triple(case: Case):
    return _triple_tl(case) if case in TL + TL_RIGHT else _triple_cnn(case)


def _kinds(case: Case) -> tuple[list[str], bool]:
    """(ids of the diagnosis of the returned value and of every changed argument, value right?)"""
    inputs, expected, got, after = _triple(case)
    found = diagnose(got, expected, inputs)
    for name, value in (after or {}).items():
        found += diagnose_mutation(inputs[name], value, name, inputs)
    return [e.id for e in found], same(got, expected) and not any("mutated" in e.id for e in found)


@pytest.fixture(scope="module")
def diagnosed() -> dict:
    return {case.name: _kinds(case) for case in CNN + TL + CNN_RIGHT + TL_RIGHT}


WRONG = CNN + TL
RIGHT = CNN_RIGHT + TL_RIGHT


def test_corpus_is_big_and_fresh():
    names = [c.name for c in WRONG + RIGHT]
    assert len(set(names)) == len(names)
    assert len(WRONG) >= 40 and len(TL) >= 5 and len(RIGHT) >= 8
    assert {c.question for c in TL} and all(c.kind for c in WRONG) and not any(c.kind for c in RIGHT)


@pytest.mark.parametrize("case", WRONG, ids=[c.name for c in WRONG])
def test_mistake_gets_its_kind(diagnosed, case):
    ids, right = diagnosed[case.name]
    assert not right, f"{case.name} ({case.why}) is not a mistake: its value equals the reference's"
    assert f"diagnose:{case.kind}" in ids, f"{case.name} ({case.why}): expected {case.kind}, got {ids}"


@pytest.mark.parametrize("case", RIGHT, ids=[c.name for c in RIGHT])
def test_right_variant_gets_none(diagnosed, case):
    ids, right = diagnosed[case.name]
    assert right, f"{case.name} ({case.why}) should be right"
    assert ids == [], f"{case.name}: a right answer got {ids}"


def test_share(diagnosed, capsys):
    """The README figure: wrong values with their specific hint (goal >= 90%), right ones with none (0%)."""
    hit = sum(f"diagnose:{c.kind}" in diagnosed[c.name][0] for c in WRONG)
    noisy = sum(bool(diagnosed[c.name][0]) for c in RIGHT)
    with capsys.disabled():
        print(f"\nwrong values with their specific hint: {hit}/{len(WRONG)} ({100 * hit / len(WRONG):.0f}%); "
              f"right variants with a hint: {noisy}/{len(RIGHT)}")
    assert hit >= 0.9 * len(WRONG) and noisy == 0


def test_a_right_value_is_never_diagnosed():
    x = np.linspace(-1, 1, 24).reshape(2, 3, 4)
    assert diagnose(x + 1e-9, x) == [] and diagnose(3.0, 3.0 + 1e-12) == []
    assert diagnose((x, {"a": 1}), (x, {"a": 1})) == [] and diagnose(x.astype(np.float32), x) == []
    assert diagnose_mutation({"pad": 1}, {"pad": 1}, "hparameters") == []


def test_checks_attach_the_diagnosis_only_without_a_matching_hint():
    """The hook: a failed check carries the diagnosis for the engine, unless the test's own hint matched."""
    from autograder.engine.checks import CheckFailure, Hint, expect_close, expect_shape, expect_unchanged

    x = np.linspace(1, 2, 12).reshape(3, 4)
    with pytest.raises(CheckFailure) as failure:
        expect_close(-x, x, what="Z", inputs={"n": 3})
    assert [e.id for e in failure.value.diagnosis] == ["diagnose:sign"]
    with pytest.raises(CheckFailure) as failure:
        expect_close(-x, x, what="Z", hints=[Hint.close_to(-x, "own hint", "자체 힌트")])
    assert failure.value.diagnosis == () and "own hint" in str(failure.value)
    with pytest.raises(CheckFailure) as failure:
        expect_shape(np.zeros((4, 3)), (3, 4), what="Z")
    assert [e.id for e in failure.value.diagnosis] == ["diagnose:shape-swapped"]
    with pytest.raises(CheckFailure) as failure:
        expect_unchanged({"pad": 1}, {"pad": 1, "n_H": 3}, "hparameters")
    assert [e.id for e in failure.value.diagnosis] == ["diagnose:mutated-input"]


def test_odd_values_explain_nothing_and_never_raise():
    from autograder.sandbox.inside.codec import Unsupported
    for got, exp in ((None, np.zeros(3)), (Unsupported("x.Y"), 1.0), ("text", 2), (np.array(["a"]), np.zeros(1)),
                     (np.zeros((0, 3)), np.zeros((2, 3))), ([1, 2], {"a": 1})):
        assert diagnose(got, exp, {"weird": object()}) == []


# --------------------------------------------------------------------------- end to end, through the grader
E2E = {"conv_forward": "cf_last_column", "pool_forward": "pf_last_row", "conv_backward": "cb_minus",
       "pool_backward": "pb_negated", "conv_param_count": "cpc_one_filter", "conv_single_step": "css_max",
       "create_mask_from_window": "mask_transposed"}


@pytest.fixture(scope="module")
def graded_end_to_end(tmp_path_factory) -> dict:
    from test_assignments.test_corpus import _build_notebook, _grade

    by_name = {c.name: c for c in CNN}
    tmp = tmp_path_factory.mktemp("value_diagnosis")
    notebook = tmp / "submission.ipynb"
    _build_notebook({q: by_name[name] for q, name in E2E.items()}, notebook)
    result = _grade(notebook, tmp / "result.json")
    assert "__error__" not in result, result.get("__error__")
    return result


@pytest.mark.parametrize("question", sorted(E2E))
def test_end_to_end_hint(graded_end_to_end, question):
    case = next(c for c in CNN if c.name == E2E[question])
    q = next(q for q in graded_end_to_end["questions"] if q["name"] == question)
    failed = [t for t in q["tests"] if t["status"] != "passed"]
    assert failed, f"{case.name} passed every hidden test"
    hinted = [t for t in failed if f"diagnose:{case.kind}" in t.get("hints", ()) and "힌트:" in t["output"]]
    assert hinted, f"{case.name}: no failed test carries diagnose:{case.kind}:\n" + "\n".join(
        f"  {t['id']} hints={t.get('hints')}: {t['output'][-400:]}" for t in failed)
