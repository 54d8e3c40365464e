"""The hidden suites' assertion library: every odd value fails cleanly, bilingually."""
from __future__ import annotations

import numpy as np
import pytest

from autograder.engine.checks import (CheckFailure, Hint, describe_inputs, expect_close, expect_equal, expect_scalar,
                               expect_shape, expect_unchanged)
from autograder.sandbox.inside.codec import Unsupported
from autograder.config import Tolerances

TOL = Tolerances()
EXPECTED = np.arange(6, dtype=np.float64).reshape(2, 3)
ODD_VALUES = [None, Unsupported("Evil"), "text", [1, 2], {"a": 1}, np.float64("nan"),
              np.zeros((3, 2)), np.zeros((2, 3), dtype=bool), np.array(["a"] * 6).reshape(2, 3),
              EXPECTED + 1e-3, np.full((2, 3), np.inf), 7]


@pytest.mark.parametrize("got", ODD_VALUES, ids=lambda v: type(v).__name__)
def test_wrong_values_raise_checkfailure_with_both_languages(got):
    with pytest.raises(CheckFailure) as info:
        expect_close(got, EXPECTED, what=("Z", "Z"), inputs={"x": np.ones(3)}, tol=TOL)
    en, ko = info.value.text("en"), info.value.text("ko")
    assert en and ko and en != ko
    assert len(en) < 2000 and len(ko) < 2000


def test_close_values_pass_and_float32_tolerance_applies():
    expect_close(EXPECTED + 1e-12, EXPECTED, what="Z", tol=TOL)
    expect_close((EXPECTED + 1e-5).astype(np.float32), EXPECTED, what="Z", tol=TOL)
    with pytest.raises(CheckFailure):
        expect_close(EXPECTED + 1e-5, EXPECTED, what="Z", tol=TOL)  # float64 has no such slack


def test_first_differing_element_is_named():
    got = EXPECTED.copy()
    got[1, 2] = 99
    with pytest.raises(CheckFailure) as info:
        expect_close(got, EXPECTED, what="Z", tol=TOL)
    assert "(1, 2)" in info.value.text("en") and "99" in info.value.text("en")


def test_hints_only_for_matching_mistakes():
    wrong = EXPECTED * 2
    hint = Hint.close_to(wrong, "doubled?", "두 배?")
    with pytest.raises(CheckFailure) as info:
        expect_close(wrong, EXPECTED, what="Z", tol=TOL, hints=[hint])
    assert "doubled?" in info.value.text("en") and "두 배?" in info.value.text("ko")
    with pytest.raises(CheckFailure) as info:
        expect_close(EXPECTED + 5, EXPECTED, what="Z", tol=TOL, hints=[hint])
    assert "doubled?" not in info.value.text("en")


def test_shape_scalar_equal_unchanged():
    with pytest.raises(CheckFailure):
        expect_shape(np.zeros((3, 2)), (2, 3), what="Z")
    with pytest.raises(CheckFailure):
        expect_scalar(np.zeros((1, 1, 1)), what="Z")
    expect_scalar(np.float32(1.5), what="Z")
    with pytest.raises(CheckFailure):
        expect_equal((64, 64, 3), (64, 64, 8), what="shape")
    with pytest.raises(CheckFailure):
        expect_unchanged(np.ones(3), np.zeros(3), "A_prev")
    expect_unchanged(np.ones(3), np.ones(3), "A_prev")


def test_large_inputs_are_summarised_small_ones_shown():
    text = describe_inputs({"big": np.arange(10_000.0), "small": np.array([1.0, 2.0])})
    big, small = text.split("\n  small")
    assert "(10000,)" in big and "5000" not in big          # summarised: shape and stats, not elements
    assert "[1., 2.]" in small.replace(" ", "") or "1." in small  # shown in full
    assert len(text) < 1000


@pytest.mark.parametrize("got", [None, "all good", object(), True, (None, None), [], {"Z": 1}])
def test_expect_computed_refuses_results_that_compute_nothing(got):
    """A function that returns nothing numeric earns no "inputs unchanged" points (an attack or a stub)."""
    from autograder.engine.checks import CheckFailure, expect_computed
    with pytest.raises(CheckFailure):
        expect_computed(got, func="conv_forward")


@pytest.mark.parametrize("got", [1.5, np.float32(2), np.zeros((2, 3)), (np.zeros(2), {"cache": 1}),
                                 [np.zeros(1)], 3])
def test_expect_computed_accepts_any_numbers_whatever_their_value(got):
    """Wrong values or shapes still pass: the value tests judge those (one property per test)."""
    from autograder.engine.checks import expect_computed
    expect_computed(got, func="conv_forward")
