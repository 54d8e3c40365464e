"""Half-finished and crashing implementations get a hint that names their mistake.

tests/corpus/cnn_step_by_step/crashing/ holds functions written the way students
leave them (placeholders, slices that come out empty or short, loop bounds,
renamed helpers...), each with a header::

    # question: conv_backward
    # hint: unpad-minus-pad
    # why: <the mistake>

Graded through the real CLI together with the right corpus (variants packed
into notebooks as in tests/test_corpus.py, whose helpers are reused):

* a crashing variant loses points, and at least one of its failed tests carries
  the named explanation (``hints`` in the JSON result) and its text in the output;
* a right variant keeps full marks and gets no hint at all;
* the shares are printed (``-s``) for the README: ``python -m pytest tests/test_hint_corpus.py -s``.
"""
from __future__ import annotations

import re

import pytest

from test_corpus import CORPUS, EPS, Variant, _describe, _pack, _parse, _question, grade_bins

CRASHING = CORPUS / "crashing"


def _crashing(path) -> Variant:
    text = path.read_text(encoding="utf-8")
    meta = dict(re.findall(r"^# (question|hint|why): *(.*?) *$", text, re.M))
    missing = {"question", "hint", "why"} - set(meta)
    if missing:
        raise ValueError(f"{path}: header lacks {sorted(missing)}")
    if not re.search(rf"^def {re.escape(meta['question'])}\(", text, re.M):
        raise ValueError(f"{path}: no 'def {meta['question']}(' at the top level")
    return Variant(path, meta["question"], "partial-or-zero", meta["why"], text, (meta["hint"],))


CRASHES = [_crashing(p) for p in sorted(CRASHING.glob("*.py"))]
RIGHT = [_parse(p) for p in sorted((CORPUS / "right").glob("*.py"))]
BINS = _pack(CRASHES + RIGHT)


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
    hint = variant.fails[0]
    assert _hinted(q, hint), f"{variant.label} ({variant.why}): no failed test explains it as {hint!r}:\n" + \
        "\n".join(f"  {t['id']} hints={t.get('hints')}: {t['output'][-500:]}" for t in q["tests"]
                  if t["status"] != "passed")


@pytest.mark.parametrize("variant", RIGHT, ids=[v.path.name for v in RIGHT])
def test_right_variant_gets_no_hint(graded, variant):
    q = _result_of(graded, variant)
    assert q["score"] >= q["max_score"] - EPS, _describe(q)
    assert not any(t.get("hints") for t in q["tests"]), _describe(q)


def test_shares(graded, capsys):
    """The README figures: share of crashing functions with their specific hint, of right ones with any hint."""
    hinted = sum(_hinted(_result_of(graded, v), v.fails[0]) for v in CRASHES)
    right_hinted = sum(any(t.get("hints") for t in _result_of(graded, v)["tests"]) for v in RIGHT)
    with capsys.disabled():
        print(f"\ncrashing functions with their specific hint: {hinted}/{len(CRASHES)} "
              f"({100 * hinted / len(CRASHES):.0f}%); right functions with any hint: {right_hinted}/{len(RIGHT)}")
    assert hinted / len(CRASHES) >= 0.9 and right_hinted == 0
