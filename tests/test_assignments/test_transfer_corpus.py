"""Grade the transfer_learning corpus of right and wrong implementations through the real CLI.

Same machinery and rules as tests/test_assignments/test_corpus.py (whose helpers are reused):
variants of different questions are packed into one submission notebook
(the source notebook with those cells replaced), every notebook is graded
with ``python -m autograder grade NB --assignment transfer_learning --format
json``, and

* a ``right`` variant gets full marks on its question, a ``wrong`` one loses
  points there (``expect: zero`` -> 0);
* every other question of the notebook keeps full marks: a wrong function
  never costs points elsewhere, not even in the end-to-end questions that
  train with the student's functions;
* no hidden test ends in a grader error, and every failure explains itself
  without quoting hidden test source.

Besides that: the reference solution scores 100, the released stubs 0 with a
"not implemented" message on every function; and one wrong value of
tests/value_mistakes_transfer.py rides in a notebook with no variant of its
question, to show end to end that the transfer-learning suites name its mistake
(the value diagnosis, tests/test_feedback/test_value_diagnosis.py), without a
notebook of its own (a transfer_learning grade trains for ~8 s of CPU).
"""
from __future__ import annotations

import re
import shutil

import pytest

from test_assignments.test_corpus import EPS, _LEAKS, _describe, _pack, _parse, _question, check_expectation
from test_assignments.test_transfer_support import CORPUS, GRADED, NAME, RELEASE_DIR, SOLUTION_DIR, SOURCE_NOTEBOOK

from test_assignments import test_corpus
from value_mistakes_transfer import TL

VARIANTS = [_parse(p) for kind in ("right", "wrong") for p in sorted((CORPUS / kind).glob("*.py"))]
BINS = _pack(VARIANTS)
EXTRA = {"solution": SOLUTION_DIR / f"{NAME}.ipynb", "stubs": RELEASE_DIR / f"{NAME}.ipynb"}
#: The value mistake graded end to end, and where: the first notebook without a variant of its question
#: (or a notebook of its own, "diagnosed", once every notebook has one).
DIAGNOSED = next(c for c in TL if c.name == "ev_error_rate")
DIAGNOSED_IN = next((i for i, b in enumerate(BINS) if DIAGNOSED.question not in b), "diagnosed")


def _wrong_questions(key) -> set[str]:
    """The questions of notebook ``key`` that hold a wrong function."""
    wrong = {q for q, v in BINS[key].items() if v.path.parent.name == "wrong"} if isinstance(key, int) else set()
    return wrong | ({DIAGNOSED.question} if key == DIAGNOSED_IN else set())


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict:
    """Grade every bin and the two extra notebooks once, in one `autograder grade NB...` run per core."""
    tmp = tmp_path_factory.mktemp("transfer_corpus")
    jobs = {}
    for i, variants in [*enumerate(BINS), *([(DIAGNOSED_IN, {})] if DIAGNOSED_IN == "diagnosed" else [])]:
        nb = tmp / f"submission_{i:02d}.ipynb" if isinstance(i, int) else tmp / f"{i}.ipynb"
        rider = {DIAGNOSED.question: DIAGNOSED} if i == DIAGNOSED_IN else {}
        test_corpus._build_notebook({**variants, **rider}, nb, source=SOURCE_NOTEBOOK)
        jobs[i] = nb
    for key, notebook in EXTRA.items():              # distinct names: one results folder
        jobs[key] = shutil.copy2(notebook, tmp / f"{key}.ipynb")
    results = test_corpus.grade_many(list(jobs.values()), tmp / "results", NAME)
    return dict(zip(jobs, results))


def _bin_of(variant) -> int:
    return next(i for i, b in enumerate(BINS) if b.get(variant.question) is variant)


def _ok(result, where):
    assert "__error__" not in result, f"{where}: grading failed:\n{result.get('__error__')}"
    return result


def test_corpus_covers_every_question():
    for question in GRADED:
        kinds = {v.path.parent.name for v in VARIANTS if v.question == question}
        assert kinds == {"right", "wrong"}, f"{question} needs right and wrong variants, has {sorted(kinds)}"
    assert not {v.question for v in VARIANTS} - set(GRADED)


def test_reference_solution_gets_full_marks(graded):
    result = _ok(graded["solution"], "solution")
    lost = [_describe(q) for q in result["questions"] if q["score"] < q["max_score"] - EPS]
    assert result["score"] == result["max_score"] == 100, "\n".join(lost)
    # The end-to-end questions tell the student the accuracy the grader measured (note fixture).
    for q in result["questions"]:
        if q["name"].endswith("_config"):
            assert re.search(r"테스트 정확도 0\.\d{3}", q["summary"]), q["summary"]


def test_released_stubs_score_zero_with_a_clear_message(graded):
    from autograder.feedback.texts import say

    result = _ok(graded["stubs"], "stubs")
    assert result["score"] == 0
    for q in result["questions"]:
        outputs = " ".join(t["output"] for t in q["tests"])
        if q["name"] in ("feature_extractor_config", "fine_tune_config"):
            assert "NotImplementedError" in outputs and "=" in outputs, _describe(q)
        else:
            assert q["summary"] == say("not_implemented", "ko"), _describe(q)


@pytest.mark.parametrize("variant", VARIANTS, ids=[v.label for v in VARIANTS])
def test_variant(graded, variant):
    i = _bin_of(variant)
    result = _ok(graded[i], f"submission_{i:02d}")
    check_expectation(variant, _question(result, variant.question),
                      f"{variant.label} ({variant.why}) in submission_{i:02d}")


@pytest.mark.parametrize("index", range(len(BINS)), ids=[f"submission_{i:02d}" for i in range(len(BINS))])
def test_only_the_wrong_question_loses_points(graded, index):
    result = _ok(graded[index], f"submission_{index:02d}")
    wrong_here = _wrong_questions(index)
    for q in result["questions"]:
        if q["name"] not in wrong_here:
            assert q["score"] >= q["max_score"] - EPS, (
                f"submission_{index:02d}: {q['name']} lost points next to the wrong functions of "
                f"{sorted(wrong_here)}:\n{_describe(q)}")


def test_a_wrong_accuracy_is_named_as_its_complement(graded):
    """The value-diagnosis hook in the transfer-learning suites: the error rate returned as the accuracy
    loses points and a failed test names it (the ``diagnose:complement`` hint, in Korean by default)."""
    where = f"{DIAGNOSED.name} in {DIAGNOSED_IN}"
    q = _question(_ok(graded[DIAGNOSED_IN], where), DIAGNOSED.question)
    assert q["score"] < q["max_score"] - EPS, f"{where}: the error rate got full marks:\n{_describe(q)}"
    failed = [t for t in q["tests"] if t["status"] != "passed"]
    assert any(f"diagnose:{DIAGNOSED.kind}" in t.get("hints", ()) and "힌트:" in t["output"] for t in failed), \
        "\n".join(f"  {t['id']} hints={t.get('hints')}: {t['output'][-300:]}" for t in failed)


@pytest.mark.parametrize("key", [*range(len(BINS)), "stubs"], ids=[*(f"submission_{i:02d}" for i in range(len(BINS))), "stubs"])
def test_feedback_is_specific_and_leak_free(graded, key):
    from autograder.feedback.texts import say

    result = _ok(graded[key], str(key))
    generic = {say("hidden_check", "en"), say("hidden_check", "ko")}
    for q in result["questions"]:
        for t in q["tests"]:
            where = f"{key}, {q['name']}, test {t['name']!r}"
            if t["status"] != "passed":
                assert t["output"].strip() and t["output"].strip() not in generic, f"{where}: no explanation"
            leaks = [s for s in (*_LEAKS, "_tl_cases", "_e2e") if s in t["output"]]
            assert not leaks, f"{where}: feedback leaks {leaks}:\n{t['output'][:1000]}"
