"""Trusted expected values computed once per suites session (autograder.engine.expected)."""
from __future__ import annotations

import types

import numpy as np
import pytest

from autograder.engine import expected


@pytest.fixture(autouse=True)
def empty_store():
    expected.clear()
    yield
    expected.clear()


def counting(function):
    calls = []

    def wrapped(*args, **kwargs):
        calls.append(args)
        return function(*args, **kwargs)
    return wrapped, calls


def test_equal_plain_inputs_compute_once_and_callers_get_copies():
    double, calls = counting(lambda x, hp: {"out": 2 * x, "hp": dict(hp)})
    x = np.arange(6.0).reshape(2, 3)
    first = expected.expected(double, x, {"stride": 2})
    first["out"][0, 0] = 99.0                      # a test scribbling on its expected value...
    second = expected.expected(double, x.copy(), {"stride": 2})
    assert len(calls) == 1
    assert second["out"][0, 0] == 0.0              # ...does not change what the next caller gets
    assert second["out"] is not first["out"]


@pytest.mark.parametrize("a, b", [
    (0.0, -0.0),                                   # equal as floats, not as inputs (signs propagate)
    (1, True), (1, 1.0),                           # equal in Python, not the same argument
    (np.zeros(3, np.float32), np.zeros(3, np.float64)),
    (np.zeros((2, 3)), np.zeros((3, 2))),
    (np.arange(6.0).reshape(2, 3), np.asfortranarray(np.arange(6.0).reshape(2, 3))),   # same values, other layout
    ((1, 2), [1, 2]),
    ({"f": 2, "stride": 1}, {"stride": 1, "f": 2}),  # a function may iterate in insertion order
])
def test_inputs_that_differ_in_any_way_are_computed_again(a, b):
    echo, calls = counting(lambda v: repr(v))
    expected.expected(echo, a)
    expected.expected(echo, b)
    assert len(calls) == 2


def test_values_that_may_depend_on_a_student_are_never_reused():
    """A closure (a student proxy's function, a loss over the student's output) or any object keys nothing."""
    answer = [1]
    closure = lambda: answer[0]                    # noqa: E731
    proxy = types.SimpleNamespace(call=lambda: 0)
    apply, calls = counting(lambda f: f())
    assert expected.expected(apply, closure) == 1
    answer[0] = 2
    assert expected.expected(apply, closure) == 2
    poke, poke_calls = counting(lambda obj: id(obj))
    expected.expected(poke, proxy)
    expected.expected(poke, proxy)
    assert len(calls) == 2 and len(poke_calls) == 2
    assert expected.stats()["entries"] == 0


def test_object_arrays_are_not_keys():
    echo, calls = counting(lambda v: len(v))
    values = np.array([object(), object()], dtype=object)
    expected.expected(echo, values)
    expected.expected(echo, values)
    assert len(calls) == 2


def test_the_store_is_bounded_and_cleared(monkeypatch):
    monkeypatch.setattr(expected, "MAX_ENTRIES", 5)
    square, calls = counting(lambda v: v * v)
    for value in range(20):
        expected.expected(square, value)
    assert expected.stats()["entries"] == 5
    expected.expected(square, 19)                  # recent: kept
    expected.expected(square, 0)                   # oldest: dropped, computed again
    assert len(calls) == 21
    expected.clear()
    assert expected.stats()["entries"] == 0


def test_cached_reference_wraps_functions_only():
    module = types.ModuleType("reference_demo")
    exec("import numpy as np\nCALLS = []\nSIZE = 3\n"
         "class Net:\n    pass\n"
         "def pad(x, p):\n    CALLS.append(p)\n    return np.pad(x, p)\n", module.__dict__)
    ref = expected.CachedReference(module)
    x = np.ones((2, 2))
    assert ref.pad(x, 1).shape == (4, 4) and ref.pad(x, 1).shape == (4, 4)
    assert module.CALLS == [1]
    assert ref.SIZE == 3 and ref.Net is module.Net


def test_a_reference_function_passed_on_keys_as_that_function():
    """A trusted helper taking ``ref.conv_forward`` (finite differences of it) is computed once."""
    module = types.ModuleType("reference_demo")
    exec("def forward(x):\n    return x * 3\n", module.__dict__)
    ref = expected.CachedReference(module)
    gradient, calls = counting(lambda forward, x: (forward(x + 1e-3) - forward(x - 1e-3)) / 2e-3)
    for _ in range(3):
        assert expected.expected(gradient, ref.forward, np.ones(2)) == pytest.approx(np.full(2, 3.0))
    assert len(calls) == 1
