"""Explanations of student exceptions: worker facts, their validation, the explainers.

Fast unit tests on real exceptions raised by code compiled as a notebook cell
(``<cell-N>``, as the worker does); one test goes through a real sandboxed
worker for the time limit and one for a visible check (``autograder check``).
The corpus-level figures are in tests/test_assignments/test_hint_corpus.py.
"""
from __future__ import annotations

import json
import linecache
import re
from pathlib import Path

import numpy as np
import pytest

from autograder.sandbox.inside import exc_facts
from autograder.feedback import hints
from autograder.feedback.explain import Context, with_explanations
from autograder.sandbox.facts import parse_facts
from autograder.sandbox.session import Limits, StudentTimeout, WorkerSession


#: The cnn assignment's own explainers (grading.yml ``explainers:``), asked after the generic ones, as the grader does.
CNN_EXPLAINERS = hints.load_explainers(
    [Path(__file__).resolve().parents[2] / "source" / "cnn_step_by_step" / "hidden_tests" / "_explainers.py"])


def explain(ctx):
    return hints.explain(ctx, CNN_EXPLAINERS)


def explain_error(*args, **kwargs):
    return hints.explain_error(*args, **kwargs, extra=CNN_EXPLAINERS)


def explain_return(*args, **kwargs):
    return hints.explain_return(*args, **kwargs, extra=CNN_EXPLAINERS)


def cell_error_hints(*args, **kwargs):
    return hints.cell_error_hints(*args, **kwargs, extra=CNN_EXPLAINERS)


def _raise_in_cells(cells: list[str], call: str):
    """Run ``cells`` as notebook cells, evaluate ``call``; return (exception, Context)."""
    g = {"np": np}
    for i, source in enumerate(cells):
        name = f"<cell-{i}>"
        linecache.cache[name] = (len(source), None, source.splitlines(True), name)
        exec(compile(source, name, "exec"), g)
    try:
        eval(call, g)
    except Exception as exc:   # noqa: BLE001 - the student's error is the point
        wire = json.loads(json.dumps(exc_facts.facts(exc)))          # what crosses the boundary
        ctx = Context(type_name=type(exc).__name__, message=str(exc), facts=parse_facts(wire), cells=cells,
                      notebook_names=[k for k, v in g.items() if callable(v)])
        return exc, ctx
    raise AssertionError(f"{call} did not raise")


def _ids(ctx) -> list[str]:
    return [e.id for e in explain(ctx)]


UNPAD = """def unpad(dA_prev_pad, pad):
    n = dA_prev_pad.shape[1] - 2 * pad
    out = np.zeros((n, n, 2))
    out[:, :, :] = dA_prev_pad[0, pad:-pad, pad:-pad, :]
    return out
"""


def test_facts_describe_locals_by_kind_never_by_content():
    _, ctx = _raise_in_cells([UNPAD], "unpad(np.ones((1, 5, 5, 2)), 0)")
    assert ctx.facts.function == "unpad" and ctx.facts.line == 4 and ctx.facts.cell == 0
    assert ctx.var("pad").value == 0 and ctx.var("pad").kind == "int"
    assert ctx.var("dA_prev_pad").shape == (1, 5, 5, 2) and ctx.var("dA_prev_pad").value is None
    assert ctx.line_text.startswith("out[:, :, :] = dA_prev_pad[0, pad:-pad")


def test_minus_pad_at_zero_is_named_with_the_variable():
    _, ctx = _raise_in_cells([UNPAD], "unpad(np.ones((1, 5, 5, 2)), 0)")
    [explanation] = explain(ctx)
    assert explanation.id == "unpad-minus-pad"
    assert "pad == 0" in explanation.en and "[pad:-pad]" in explanation.ko


def test_placeholder_names_the_variables_and_their_line():
    cell = "def f(X):\n    n_H = None\n    n_W = X.shape[1]\n    return np.zeros((n_H, n_W))\n"
    _, ctx = _raise_in_cells([cell], "f(np.ones((2, 3)))")
    [explanation] = explain(ctx)
    assert explanation.id == "placeholder" and "`n_H`" in explanation.en and "`n_W`" not in explanation.en
    assert "line 2" in explanation.en


def test_none_in_an_index_error_message_is_not_a_placeholder():
    """numpy's IndexError text mentions `None` and `...`; a float index is the mistake here."""
    cell = "def f(X):\n    h = X.shape[0] / 2\n    return X[h]\n"
    _, ctx = _raise_in_cells([cell], "f(np.ones((4, 4)))")
    assert _ids(ctx) == ["float-size"]


@pytest.mark.parametrize("cells, call, expected", [
    (["def f(A, f, stride):\n    n_H = round((A.shape[0] - f) / stride) + 1\n    n_H_prev = A.shape[0]\n"
      "    out = np.zeros(n_H)\n    for h in range(n_H):\n"
      "        out[h] = np.sum(A[h * stride:h * stride + f] * np.ones(f))\n    return out\n"],
     "f(np.ones(8), 3, 3)", "output-size"),
    (["def f(A):\n    n_H, n_W = A.shape\n    out = np.zeros((n_H, n_W))\n    for h in range(n_H + 1):\n"
      "        out[h, 0] = A[h, 0]\n    return out\n"], "f(np.ones((3, 2)))", "loop-bound"),
    (["def f(A):\n    n_H, n_W = A.shape\n    out = np.zeros((n_H, n_W))\n    for h in range(n_W):\n"
      "        for w in range(n_H):\n            out[h, w] = A[h, w]\n    return out\n"], "f(np.ones((2, 3)))",
     "swapped-hw"),
    (["def f(x):\n    return np.sum(x) + float(x)\n"], "f(np.ones((1, 1, 1)))", "float-of-array"),
    (["def f(x):\n    acc = np.zeros((2, 2), dtype=int)\n    acc += x\n    return acc\n"], "f(np.ones((2, 2)) / 3)",
     "integer-array"),
    (["def f(dW, a):\n    dW[:, :, 0] += a\n    return dW\n"], "f(np.zeros((2, 2, 3)), np.ones((2, 2, 3)))",
     "accumulator-shape"),
    (["def f(cache):\n    A_prev, W, b, hparameters = cache\n    return A_prev\n"], "f((1, {}))", "unpack-count"),
    (["def f(hparameters):\n    return hparameters['pad']\n"], "f({'f': 2, 'stride': 1})", "missing-key"),
    (["def f(A):\n    return A.shape(1)\n"], "f(np.ones(2))", "shape-called"),
    (["def f(A):\n    return A.astype(np.int)\n"], "f(np.ones(2))", "numpy-alias"),
    (["def f(A):\n    Z = np.zeros(A.shape)\n    Z[0, 0] = A\n    return Z\n"], "f(np.ones((2, 2)))", "array-into-element"),
    (["def f(n):\n    return f(n)\n"], "f(1)", "recursion"),
    (["def f(W, dZ):\n    acc = np.zeros((3, 3, 3))\n    acc += W * dZ[0]\n    return acc\n"],
     "f(np.ones((3, 3, 3)), np.ones((2, 4, 4, 2)))", "operand-shapes"),
    (["def f(m, n_H):\n    return np.zeros(m, n_H)\n"], "f(2, 3)", "shape-not-a-tuple"),
    (["def f(m, n_H, n_W, n_C):\n    return np.zeros(m, n_H, n_W, n_C)\n"], "f(2, 3, 4, 5)", "shape-not-a-tuple"),
    (["def f(hparameters):\n    return hparameters.stride\n"], "f({'stride': 1})", "dict-attribute"),
    (["def f(A_prev):\n    return A_prev.shape[4]\n"], "f(np.ones((1, 2, 3, 4)))", "shape-index"),
])
def test_each_explainer_recognises_its_mistake(cells, call, expected):
    _, ctx = _raise_in_cells(cells, call)
    assert expected in _ids(ctx), (ctx.type_name, ctx.message, explain(ctx))
    for e in explain(ctx):   # both languages, no English words left in the Korean text
        assert re.search("[가-힣]", e.ko) and not re.search(r"\b(the|has|is|index|this)\b", e.ko), e.ko


def test_name_from_a_cell_that_did_not_run_is_located():
    cells = ["def f():\n    return scale * 2\n", "print('demo')\n", "scale = 3\n"]
    _, ctx = _raise_in_cells(cells[:1], "f()")
    ctx = Context(ctx.type_name, ctx.message, ctx.facts, cells, ctx.notebook_names)   # cell 3 did not run
    [explanation] = explain(ctx)
    assert explanation.id == "notebook-only-name" and "cell 3" in explanation.en


def test_renamed_helper_is_suggested():
    cells = ["def zero_pad(X, p):\n    return X\n\ndef g(X):\n    return zeropad(X, 1)\n"]
    _, ctx = _raise_in_cells(cells, "g(1)")
    [explanation] = explain(ctx)
    assert "`zero_pad`" in explanation.en


def test_function_whose_cell_failed_to_load_is_explained():
    from autograder.sandbox.session import StudentMissing

    missing = StudentMissing("zero_pad is not defined in the notebook")
    missing.func = "zero_pad"
    cells = ["import numpy as np\n", "def zero_pad(X, pad)\n    return X\n", "def conv_forward2(A):\n    return A\n"]
    [explanation] = explain_error(missing, cells, [], load_errors={1: "SyntaxError: expected ':' (line 1)"})
    assert explanation.id == "function-not-defined" and "cell 2" in explanation.en and "SyntaxError" in explanation.ko
    missing.func = "conv_forward"
    [explanation] = explain_error(missing, cells, [], load_errors={})
    assert "`conv_forward2`" in explanation.en
    missing.func = "pool_backward"
    assert explain_error(missing, cells, [], load_errors={}) == []


def test_unrecognised_errors_get_no_hint():
    _, ctx = _raise_in_cells(["def f(x):\n    return 1 / x\n"], "f(0)")
    assert explain(ctx) == []


def test_returned_placeholder_names_the_variable():
    cells = ["def g(x):\n    dW = x * 2\n    db = None\n    return dW, db\n"]
    [explanation] = explain_return("g", (np.ones(2), None), cells, ["g"])
    assert explanation.id == "returns-placeholder" and "`db`" in explanation.en and "line 3" in explanation.en
    assert explain_return("g", (np.ones(2), np.ones(1)), cells, ["g"]) == []


@pytest.mark.parametrize("junk", [
    None, [], "x", {"cell": "0", "line": 1, "function": "f"}, {"cell": 0, "line": 0, "function": "f"},
    {"cell": 0, "line": 1, "function": "f", "locals": {"bad name": {"kind": "int", "value": 1}}},
    {"cell": 0, "line": 1, "function": "f", "locals": {"x": {"kind": "array", "shape": [-1, 2]}}},
    {"cell": 0, "line": 1, "function": "f", "locals": {"x": {"kind": "exec", "value": "__import__('os')"}}},
    {"cell": 0, "line": 1, "function": "f", "frames": [[0, 1, 2, 3], "x"], "locals": []},
])
def test_malformed_facts_from_a_lying_worker_are_dropped(junk):
    facts = parse_facts(junk)
    if facts is not None:
        assert all(name.isidentifier() for name in facts.locals)
        assert all(v.shape is None or min(v.shape) >= 0 for v in facts.locals.values())
        assert all(v.kind != "exec" for v in facts.locals.values())
        assert all(len(f) == 3 for f in facts.frames)
    ctx = Context("TypeError", "'NoneType' object is not subscriptable", facts, ["x = 1\n"], [])
    explain(ctx)   # never raises


def test_hints_survive_a_long_message():
    en, ko, seen = with_explanations("x" * 3000, "y" * 3000, [], explain_return("g", None, ["def g():\n    pass\n"],
                                                                            []), 2000)
    assert len(en) <= 2000 and en.rstrip().endswith("return` and the result.") and seen == ["returns-placeholder"]


def test_time_limit_says_where_the_function_was():
    cells = ["def spin(n):\n    i = 0\n    while i < n:\n        n += 1\n    return i\n"]
    with WorkerSession(cells, limits=Limits(call_timeout_s=1.0, load_timeout_s=20)) as session:
        session.start()
        with pytest.raises(StudentTimeout) as info:
            session.call("spin", 3)
    [explanation] = explain_error(info.value, cells, [], timeout_s=1.0)
    assert explanation.id == "time-limit" and "`spin`" in explanation.en and "while" in explanation.en


def test_visible_check_error_is_explained_from_its_root_cause():
    """``autograder check``: the check cell's AssertionError wraps the student's error (raise ... from)."""
    cells = ["import numpy as np\ndef unpad(d, pad):\n    return d[pad:-pad] + np.ones(3)\n",
             "try:\n    unpad(np.ones(3), 0)\nexcept Exception as exc:\n    raise AssertionError('check failed') from exc\n"]
    with WorkerSession(cells, limits=Limits(load_timeout_s=20)) as session:
        report = session.start()
    error = report.cells[1].error
    assert error.type_name == "AssertionError" and error.facts is not None and error.facts.function == "unpad"
    text = cell_error_hints(error, cells, report.names, "en")
    assert "[pad:-pad]" in text and text.startswith("\nHint:")


def test_autograder_check_explains_a_crash_in_the_visible_check(tmp_path):
    """End to end on the student side: the visible check of conv_backward calls the canonical
    [pad:-pad] unpadding at pad == 0; the check's failure carries the hint."""
    from pathlib import Path

    from autograder.config import get_assignment
    from autograder.engine.grader import grade_notebook
    from test_assignments.test_corpus import _build_notebook, _parse

    root = Path(__file__).resolve().parents[2]
    variant = _parse(root / "tests/corpus/cnn_step_by_step/wrong/conv_backward_minus_pad.py")
    notebook = tmp_path / "submission.ipynb"
    _build_notebook({"conv_backward": variant}, notebook)
    assignment = get_assignment("cnn_step_by_step", root / "grading.yml")
    result = grade_notebook(notebook, assignment, lang="en", visible_only=True)
    [question] = [q for q in result.questions if q.name == "conv_backward"]
    assert question.score == 0 and "Hint: Here pad == 0" in question.tests[0].output, question.tests[0].output
