"""Half-finished and crashing implementations get a hint that names their mistake.

tests/corpus/cnn_step_by_step/crashing/ holds functions written the way students
leave them (placeholders, slices that come out empty or short, loop bounds,
renamed helpers...), each with a header::

    # question: conv_backward
    # hint: unpad-minus-pad
    # why: <the mistake>

Graded through the real CLI (variants packed into notebooks as in
tests/test_assignments/test_corpus.py, whose helpers are reused):

* a crashing variant loses points, and at least one of its failed tests carries
  the named explanation (``hints`` in the JSON result) and its text in the output;
* the share is printed (``-s``) for the README: ``python -m pytest tests/test_assignments/test_hint_corpus.py -s``.

That right variants get no explanation at all is checked where they are graded,
in tests/test_assignments/test_corpus.py (``check_expectation``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from test_assignments.test_corpus import CORPUS, EPS, Variant, _describe, _pack, _question, grade_bins

CRASHING = CORPUS / "crashing"


@dataclass(frozen=True)
class Crash(Variant):
    hint: str = ""      # the explainer id one of its failed tests must carry


def _crashing(path) -> Crash:
    text = path.read_text(encoding="utf-8")
    meta = dict(re.findall(r"^# (question|hint|why): *(.*?) *$", text, re.M))
    missing = {"question", "hint", "why"} - set(meta)
    if missing:
        raise ValueError(f"{path}: header lacks {sorted(missing)}")
    if not re.search(rf"^def {re.escape(meta['question'])}\(", text, re.M):
        raise ValueError(f"{path}: no 'def {meta['question']}(' at the top level")
    return Crash(path, meta["question"], "partial", meta["why"], text, hint=meta["hint"])


CRASHES = [_crashing(p) for p in sorted(CRASHING.glob("*.py"))]
BINS = _pack(CRASHES)


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> list[dict]:
    return grade_bins(BINS, tmp_path_factory.mktemp("hint_corpus"))


def _result_of(graded, variant) -> dict:
    i = next(k for k, b in enumerate(BINS) if b.get(variant.question) is variant)
    result = graded[i]
    assert "__error__" not in result, f"submission_{i:02d}: {result['__error__']}"
    return _question(result, variant.question)


def _hinted(q: dict, hint: str) -> bool:
    return any(hint in t.get("hints", ()) and "힌트:" in t["output"] for t in q["tests"] if t["status"] != "passed")


@pytest.mark.parametrize("variant", CRASHES, ids=[v.path.name for v in CRASHES])
def test_crashing_variant_gets_its_hint(graded, variant):
    q = _result_of(graded, variant)
    assert q["score"] < q["max_score"] - EPS, f"{variant.label} lost no points:\n{_describe(q)}"
    hint = variant.hint
    assert _hinted(q, hint), f"{variant.label} ({variant.why}): no failed test explains it as {hint!r}:\n" + \
        "\n".join(f"  {t['id']} hints={t.get('hints')}: {t['output'][-500:]}" for t in q["tests"]
                  if t["status"] != "passed")


def test_share(graded, capsys):
    """The README figure: share of crashing functions that get their specific hint (goal >= 90%)."""
    hinted = sum(_hinted(_result_of(graded, v), v.hint) for v in CRASHES)
    with capsys.disabled():
        print(f"\ncrashing functions with their specific hint: {hinted}/{len(CRASHES)} "
              f"({100 * hinted / len(CRASHES):.0f}%)")
    assert hinted >= 0.9 * len(CRASHES)
