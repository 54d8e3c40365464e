"""cnn_inside end to end through the real CLI: solution, untouched release, typical mistakes.

Same rules as tests/test_assignments/test_corpus.py (whose helpers are reused) for the third
assignment's corpus (tests/corpus/cnn_inside/): the wrong variants (one per
question) are packed into one notebook, the right ones into another, and the
four notebooks (with the solution and the released stubs) are graded by one
``autograder grade NB NB ... --format json`` per core, the hidden suites
collected once.

* the solution scores 100, the released stubs 0 with "not implemented" on
  every question and no grader error;
* each wrong variant loses points on its own question only, in the tests its
  header names (``# fails:``), with a hint naming the mistake (``# names:``);
  each right variant keeps full marks without a hint;
* feedback never quotes the hidden suites.
"""
from __future__ import annotations

import pytest

from conftest import ROOT
from test_assignments.test_corpus import EPS, _LEAKS, _build_notebook, _describe, _pack, _parse, _question, check_expectation, grade_many
from autograder.config import get_assignment

NAME = "cnn_inside"
SOURCE_NOTEBOOK = ROOT / "source" / NAME / f"{NAME}.ipynb"
CORPUS = ROOT / "tests" / "corpus" / NAME
POLICY = get_assignment(NAME, ROOT / "grading.yml")
VARIANTS = [_parse(p) for kind in ("wrong", "right") for p in sorted((CORPUS / kind).glob("*.py"))]
BINS = _pack([v for v in VARIANTS if v.path.parent.name == "wrong"]) + \
    _pack([v for v in VARIANTS if v.path.parent.name == "right"])


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("cnn_inside_grading")
    notebooks = {"solution": ROOT / "solutions" / NAME / f"{NAME}.ipynb",
                 "stubs": ROOT / "assignments" / NAME / f"{NAME}.ipynb"}
    for i, variants in enumerate(BINS):
        notebooks[i] = tmp / f"submission_{i:02d}.ipynb"
        _build_notebook(variants, notebooks[i], source=SOURCE_NOTEBOOK)
    copies = {}
    for key, nb in notebooks.items():            # distinct file names for one --out folder
        copies[key] = tmp / f"{key}_{nb.name}" if key in ("solution", "stubs") else nb
        if copies[key] != nb:
            copies[key].write_bytes(nb.read_bytes())
    results = grade_many(list(copies.values()), tmp / "results", NAME)
    return dict(zip(copies, results))


def _ok(result, where):
    assert "__error__" not in result, f"{where}: grading failed:\n{result.get('__error__')}"
    return result


def test_corpus_covers_every_question():
    wrong = {v.question for v in VARIANTS if v.path.parent.name == "wrong"}
    assert wrong == {q.name for q in POLICY.questions}, sorted({q.name for q in POLICY.questions} ^ wrong)
    assert len(BINS) == 2, "one notebook of wrong variants, one of right ones (keep the test fast)"


def test_solution_gets_full_marks(graded):
    result = _ok(graded["solution"], "solution")
    lost = [_describe(q) for q in result["questions"] if q["score"] < q["max_score"] - EPS]
    assert result["score"] == result["max_score"] == 100, "\n".join(lost)


def test_untouched_release_scores_zero_without_crashing(graded):
    from autograder.feedback.texts import say
    result = _ok(graded["stubs"], "stubs")
    assert result["score"] == 0
    for q in result["questions"]:
        assert not [t for t in q["tests"] if t["status"] == "error"], _describe(q)
        assert q["summary"] == say("not_implemented", POLICY.feedback_language), _describe(q)


@pytest.mark.parametrize("variant", VARIANTS, ids=[v.label for v in VARIANTS])
def test_variant(graded, variant):
    i = next(k for k, b in enumerate(BINS) if b.get(variant.question) is variant)
    check_expectation(variant, _question(_ok(graded[i], f"submission_{i:02d}"), variant.question),
                      f"{variant.label} ({variant.why})")


def test_right_variants_cost_nothing_anywhere(graded):
    result = _ok(graded[1], "submission_01 (right variants)")
    lost = [_describe(q) for q in result["questions"] if q["score"] < q["max_score"] - EPS]
    assert result["score"] == 100, "\n".join(lost)


@pytest.mark.parametrize("key", [0, "stubs"])
def test_feedback_is_specific_and_leak_free(graded, key):
    from autograder.feedback.texts import say
    generic = {say("hidden_check", "en"), say("hidden_check", "ko")}
    for q in _ok(graded[key], str(key))["questions"]:
        for t in q["tests"]:
            if t["status"] != "passed":
                assert t["output"].strip() and t["output"].strip() not in generic, f"{q['name']}/{t['name']}"
            leaks = [s for s in (*_LEAKS, "_inside_cases", "inside_harness.py") if s in t["output"]]
            assert not leaks, f"{q['name']}/{t['name']}: feedback leaks {leaks}:\n{t['output'][:800]}"
