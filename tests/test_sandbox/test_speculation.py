"""Helper calls answered speculatively by the student's own helpers (autograder/speculation.py).

The rule being protected: a graded function is graded as if every helper call had been answered
by the reference.  Speculation may only make that faster, never different: every test here
compares against the round-trip path or pins what the function must have seen.
"""
from __future__ import annotations

import json

import numpy as np
import pytest

from autograder.sandbox.inside import codec
from autograder.sandbox.session import Limits, WorkerSession
from autograder.sandbox.speculation import answers_match

from conftest import ASSIGNMENT, ROOT, SOLUTION_DIR

FAST = Limits(call_timeout_s=2, load_timeout_s=20)


def ref_zero_pad(X, pad):
    return np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)))


def entry(name, args, value, kwargs=None, strict=True):
    return {"name": name, "args": codec.encode(list(args), strict=strict),
            "kwargs": codec.encode(kwargs or {}, strict=strict), "value": codec.encode(value, strict=strict)}


# -- the check of a log -------------------------------------------------------------------------

def test_a_log_of_reference_answers_stands_and_counts_the_calls():
    X = np.arange(8.0).reshape(1, 2, 2, 2)
    counts = {"zero_pad": 1}
    log = [entry("zero_pad", (X, 1), ref_zero_pad(X, 1)), entry("zero_pad", (X, 0), ref_zero_pad(X, 0))]
    assert answers_match({"spoiled": False, "log": log, "helper_s": 0.0}, {"zero_pad": ref_zero_pad}, counts)
    assert counts == {"zero_pad": 3}


@pytest.mark.parametrize("given, reference", [
    (1, 1.0), (1.0, 1), (True, 1), (0.0, -0.0), ((1, 2), [1, 2]),
    (np.float32(1.5), np.float64(1.5)), (np.float64(1.5), 1.5),
    (np.zeros((2, 2), dtype=np.float32), np.zeros((2, 2))),
    (np.zeros((2, 3)), np.zeros((3, 2))),
    (np.asfortranarray(np.arange(6.0).reshape(2, 3)), np.arange(6.0).reshape(2, 3)),
    (np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-15])),
    ({"a": 1, "b": 2}, {"b": 2, "a": 1}),
])
def test_an_answer_that_is_not_exactly_the_references_does_not_stand(given, reference):
    """What the function would see differently (type, sign of zero, dtype, layout, last bit, order)."""
    counts: dict = {}
    report = {"spoiled": False, "log": [entry("h", (0,), given)], "helper_s": 0.0}
    assert not answers_match(report, {"h": lambda _x: reference}, counts)
    assert counts == {}


def test_nan_answers_that_are_the_references_stand():
    report = {"spoiled": False, "log": [entry("h", (0,), float("nan"))], "helper_s": 0.0}
    assert answers_match(report, {"h": lambda _x: float("nan")}, {})


GOOD = entry("zero_pad", (np.ones((1, 1, 1, 1)), 1), ref_zero_pad(np.ones((1, 1, 1, 1)), 1))


@pytest.mark.parametrize("report", [
    None, [], {"log": [GOOD]}, {"spoiled": True, "log": [GOOD]}, {"spoiled": 0, "log": [GOOD]},
    {"spoiled": False, "log": "x"}, {"spoiled": False, "log": [GOOD, 3]},
    {"spoiled": False, "log": [{**GOOD, "name": "conv_single_step"}]},          # not a helper of this call
    {"spoiled": False, "log": [{**GOOD, "name": 7}]},
    {"spoiled": False, "log": [{**GOOD, "args": {"__ndarray__": "!!"}}]},     # malformed payload
    {"spoiled": False, "log": [{**GOOD, "args": {"__dict__": {}}}]},          # arguments not a list
    {"spoiled": False, "log": [{**GOOD, "value": {"__float__": "nan"}}]},
    {"spoiled": False, "log": [entry("zero_pad", ("not an array", 1), None)]},  # the reference raises
])
def test_a_spoiled_forged_or_malformed_report_does_not_stand(report):
    counts: dict = {}
    assert not answers_match(report, {"zero_pad": ref_zero_pad}, counts)
    assert counts == {}


def test_a_log_longer_than_the_limit_or_checked_too_late_does_not_stand(monkeypatch):
    """A forged log cannot make the grader spend more than a call's worth of time checking it."""
    import time
    from autograder.sandbox import speculation
    X = np.ones((1, 1, 1, 1))
    good = entry("zero_pad", (X, 1), ref_zero_pad(X, 1))
    helpers = {"zero_pad": ref_zero_pad}
    monkeypatch.setattr(speculation, "MAX_LOG", 300)
    assert answers_match({"spoiled": False, "log": [good] * 300}, helpers, {})
    assert not answers_match({"spoiled": False, "log": [good] * 301}, helpers, {})
    assert not answers_match({"spoiled": False, "log": [good] * 300}, helpers, {}, deadline=time.monotonic() - 1)


# -- in a worker ----------------------------------------------------------------------------------

OUTER = "def conv_like(X, pad):\n    Xp = zero_pad(X, pad)\n    return Xp.shape, float(Xp.sum()), float(X.sum())\n"


def grade_call(cells, *args, speculate=True, limits=FAST, monkeypatch=None, helpers=None, func="conv_like"):
    """(value, stdout, helper calls, round trips) of one call of ``func`` in a fresh worker."""
    trips = []
    with WorkerSession(["import numpy as np", *cells], limits=limits) as session:
        session.speculate = speculate
        answer = session._answer

        def counted(*a, **k):
            trips.append(1)
            return answer(*a, **k)
        session._answer = counted
        session.start()
        result = session.call(func, *args, helpers=helpers or {"zero_pad": ref_zero_pad})
        return result.value, result.stdout, result.helper_calls, len(trips)


X = np.arange(24.0).reshape(2, 2, 3, 2)
RIGHT = "def zero_pad(X, pad):\n    return np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)))\n"


def calling(times: int) -> str:
    """An outer function calling the helper ``times`` times."""
    return f"def conv_like(X, pad):\n    for _ in range({times}):\n        Xp = zero_pad(X, pad)\n    return Xp.shape\n"


def test_a_right_helper_answers_without_a_single_round_trip():
    slow = grade_call([RIGHT, OUTER], X, 2, speculate=False)
    fast = grade_call([RIGHT, OUTER], X, 2)
    assert slow[:3] == fast[:3] and slow[2] == {"zero_pad": 1}
    assert slow[3] == 1 and fast[3] == 0


@pytest.mark.parametrize("own", [
    "def zero_pad(X, pad):\n    return X\n",                                            # wrong
    "def zero_pad(X, pad):\n    return np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0))).astype(np.float32)\n",
    "def zero_pad(X, pad):\n    raise NotImplementedError\n",                           # unfinished
    "def zero_pad(X, pad):\n    print('padding!')\n"
    "    return np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)))\n",                  # prints
    "def zero_pad(X, pad):\n    out = np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)))\n"
    "    X[...] = 0\n    return out\n",                                                   # right, but clobbers X
    "zero_pad = 3\n",                                                                   # not a function
])
def test_the_function_sees_what_the_reference_helper_would_have_given_it(own):
    """Whatever the student's own helper does, the outer function's outcome is the round-trip one."""
    slow = grade_call([own, OUTER], X, 1, speculate=False)
    fast = grade_call([own, OUTER], X, 1)
    assert fast[:3] == slow[:3] == (((2, 4, 5, 2), float(X.sum()), float(X.sum())), "", {"zero_pad": 1})


def test_a_slow_own_helper_cannot_make_the_function_time_out():
    own = "import time\ndef zero_pad(X, pad):\n    time.sleep(0.6)\n    return np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)))\n"
    value, _, calls, trips = grade_call([own, calling(5)], X, 1)
    assert value == (2, 4, 5, 2) and calls == {"zero_pad": 5} and trips == 5


def test_a_log_too_large_for_one_message_falls_back_to_round_trips():
    big = np.zeros((4, 16, 16, 3))
    small_messages = Limits(call_timeout_s=20, load_timeout_s=20, max_message_mb=1)
    value, _, calls, trips = grade_call([RIGHT, calling(400)], big, 1, limits=small_messages)
    assert value == (4, 18, 18, 3) and calls == {"zero_pad": 400} and trips == 400


def test_the_worker_logs_no_more_calls_than_the_grader_checks(monkeypatch):
    from autograder.sandbox import speculation
    monkeypatch.setattr(speculation, "MAX_LOG", 10)
    value, _, calls, trips = grade_call([RIGHT, calling(30)], X, 1)
    assert value == (2, 4, 5, 2) and calls == {"zero_pad": 30} and trips == 20


def test_a_helper_that_did_not_stand_is_not_asked_again_in_the_submission():
    own = "def zero_pad(X, pad):\n    return X\n"
    answers = []
    with WorkerSession(["import numpy as np", own, OUTER], limits=FAST) as session:
        session.start()
        for _ in range(3):
            session.call("conv_like", X, 1, helpers={"zero_pad": lambda A, p: answers.append(1) or ref_zero_pad(A, p)})
    # first call: one check of the logged answer + one round trip; then round trips only
    assert len(answers) == 4


# -- the course's own mistakes: the same grades with and without speculation ----------------------

HELPER_QUESTIONS = ("zero_pad", "conv_single_step", "create_mask_from_window", "distribute_value")


def helper_variants() -> list:
    corpus = ROOT / "tests" / "corpus" / ASSIGNMENT
    return sorted(p for kind in ("wrong", "right", "crashing") for p in (corpus / kind).glob("*.py")
                  if p.stem.startswith(HELPER_QUESTIONS) and "endless" not in p.stem)


def test_every_helper_mistake_of_the_corpus_grades_the_same_as_with_round_trips(tmp_path, monkeypatch):
    """Each notebook carries one variant of each helper question (the i-th of each), so the corpus's
    helper mistakes, crashes and right-but-different helpers are all met in a few notebooks."""
    from autograder.config import get_assignment
    from autograder.engine.grader import grade_notebook
    from autograder.course.submissions import build_submission
    from autograder.engine.suites import with_suites
    variants = helper_variants()
    assert len(variants) >= 20
    by_question = [[v for v in variants if v.stem.startswith(q)] for q in HELPER_QUESTIONS]
    solution = SOLUTION_DIR / f"{ASSIGNMENT}.ipynb"
    notebooks = [solution]
    for i in range(max(len(group) for group in by_question)):
        notebooks.append(tmp_path / f"mix{i}.ipynb")
        build_submission(solution, [group[i] for group in by_question if i < len(group)], notebooks[-1])
    assignment = get_assignment(ASSIGNMENT, ROOT / "grading.yml")

    def graded(suites, speculate: bool) -> list[str]:
        monkeypatch.setattr(WorkerSession, "speculate", speculate)
        out = []
        for notebook in notebooks:
            result = grade_notebook(notebook, assignment, suites=suites, lang="en").to_dict()
            result.pop("duration_s"), result.pop("timings")
            out.append(json.dumps(result, sort_keys=True))
        return out

    fast, slow = with_suites(assignment, lambda suites: (graded(suites, True), graded(suites, False)))
    for notebook, a, b in zip(notebooks, fast, slow):
        assert a == b, notebook.name
    assert len({json.loads(r)["score"] for r in fast}) > 5     # the mistakes do cost points
