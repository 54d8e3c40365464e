"""Grade the corpus of right and wrong implementations through the real CLI.

Every file in tests/corpus/<assignment>/{right,wrong}/ holds one variant of
one graded function, with a header::

    # question: conv_forward
    # expect: full | partial | zero
    # why: <the mistake, or the style of the right solution>
    def conv_forward(...): ...

(optionally ``# defines: NAME`` when the cell defines something other than a
function named after the question, e.g. a settings dictionary ``NAME = {...}``,
and ``# fails: test_a, test_b`` for a wrong variant: exactly these hidden tests
of its question fail, by function name; this pins one mistake to the tests
that explain it instead of every test that happens to see a consequence;
and ``# names: FRAGMENT [| FRAGMENT]``: the output of at least one failed test
holds one of these fragments, i.e. a hint names the mistake, in English or Korean).

A submission notebook is the source notebook with that question's solution
cell replaced by the variant.  To keep the suite fast, variants of
*different* questions are packed into the same notebook (at most one variant
per question), so the number of CLI runs is the largest number of variants
of one question; the runs are started in parallel.  Every notebook is
graded with ``python -m autograder grade NB --format json`` from the course
root, as a TA would (forked from a warm start: tests/warm_cli.py).

Checked:
* ``right`` -> the question gets full marks and no explanation of a mistake (``hints``);
* ``wrong`` -> the question loses points (``expect: zero`` -> scores 0);
* in every notebook, every question that holds a right variant or the
  reference solution gets full marks (so a wrong helper never costs points
  in another question, and the hidden tests accept every right style);
* no hidden test ends in status "error" (a bug in a hidden test or the engine);
* every failed test has a specific message (no bare-assert "a hidden check
  failed") and no feedback quotes hidden-test source.
"""
from __future__ import annotations

import json
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

import warm_cli

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENT = "cnn_step_by_step"
CORPUS = ROOT / "tests" / "corpus" / ASSIGNMENT
SOURCE_NOTEBOOK = ROOT / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
RUN_TIMEOUT_S = 600
EPS = 1e-3          # scores are rounded to 4 decimals per test


@dataclass(frozen=True)
class Variant:
    path: Path
    question: str
    expect: str        # full | partial | zero
    why: str
    source: str
    fails: tuple[str, ...] = ()    # hidden test ids that must fail (all others of the question pass)
    names: tuple[str, ...] = ()    # fragments naming the mistake; one must be in a failed test's output

    @property
    def label(self) -> str:
        return f"{self.path.parent.name}/{self.path.name}"


def _parse(path: Path) -> Variant:
    text = path.read_text(encoding="utf-8")
    meta = dict(re.findall(r"^# (question|expect|why|defines|fails|names): *(.*?) *$", text, re.M))
    missing = {"question", "expect", "why"} - set(meta)
    if missing:
        raise ValueError(f"{path}: header lacks {sorted(missing)}")
    kind = path.parent.name
    allowed = {"right": {"full"}, "wrong": {"partial", "zero"}}[kind]
    if meta["expect"] not in allowed:
        raise ValueError(f"{path}: '# expect: {meta['expect']}' is not allowed in {kind}/ (use {sorted(allowed)})")
    name = re.escape(meta.get("defines") or meta["question"])
    if not re.search(rf"^(def {name}\(|{name} *=)", text, re.M):
        raise ValueError(f"{path}: no 'def {meta['question']}(' (or '# defines:' assignment) at the top level")
    fails = tuple(sorted(t.strip() for t in meta.get("fails", "").split(",") if t.strip()))
    if fails and kind != "wrong":
        raise ValueError(f"{path}: '# fails:' is for wrong variants only")
    names = tuple(n.strip() for n in meta.get("names", "").split(" | ") if n.strip())
    return Variant(path, meta["question"], meta["expect"], meta["why"], text, fails, names)


def _variants() -> list[Variant]:
    return [_parse(p) for kind in ("right", "wrong") for p in sorted((CORPUS / kind).glob("*.py"))]


VARIANTS = _variants()


def _pack(variants: list[Variant]) -> list[dict[str, Variant]]:
    """Bins of variants with at most one variant per question (first fit, largest groups first)."""
    by_question: dict[str, list[Variant]] = {}
    for v in variants:
        by_question.setdefault(v.question, []).append(v)
    bins: list[dict[str, Variant]] = []
    for question in sorted(by_question, key=lambda q: -len(by_question[q])):
        for k, v in enumerate(by_question[question]):
            if k == len(bins):
                bins.append({})
            bins[k][question] = v
    return bins


BINS = _pack(VARIANTS)


def _build_notebook(variants: dict[str, Variant], path: Path, source: Path = SOURCE_NOTEBOOK) -> None:
    nb = nbformat.read(source, as_version=4)
    replaced = set()
    for cell in nb.cells:
        grade_id = (cell.get("metadata", {}).get("nbgrader") or {}).get("grade_id")
        if cell.cell_type == "code" and grade_id in variants:
            cell.source = variants[grade_id].source
            cell.outputs = []
            replaced.add(grade_id)
    missing = set(variants) - replaced
    assert not missing, f"no solution cell with grade_id {sorted(missing)} in {source}"
    nbformat.write(nb, path)


def _grade(notebook: Path, out: Path, assignment: str = ASSIGNMENT, env: dict | None = None) -> dict:
    proc = warm_cli.autograder("grade", str(notebook), "--assignment", assignment, "--format", "json", "--out",
                               str(out), cwd=ROOT, env=env, timeout=RUN_TIMEOUT_S)
    if not out.is_file():
        return {"__error__": f"exit {proc.returncode}\nstdout: {proc.stdout[-2000:]}\nstderr: {proc.stderr[-3000:]}"}
    return json.loads(out.read_text(encoding="utf-8"))


def grade_many(notebooks: list[Path], out: Path, assignment: str = ASSIGNMENT, env: dict | None = None) -> list[dict]:
    """Grade ``notebooks`` (distinct names) with ``autograder grade NB NB ... --out FOLDER``, the list split
    over one process per core; result i belongs to notebooks[i]."""
    workers = max(1, min(len(notebooks), os.cpu_count() or 2))
    shares = [notebooks[k::workers] for k in range(workers)]

    def run(share: list[Path]) -> str:
        proc = warm_cli.autograder("grade", *map(str, share), "--assignment", assignment, "--format", "json",
                                   "--out", str(out), cwd=ROOT, env=env, timeout=RUN_TIMEOUT_S * len(share))
        return f"exit {proc.returncode}\nstdout: {proc.stdout[-2000:]}\nstderr: {proc.stderr[-3000:]}"

    with ThreadPoolExecutor(max_workers=workers) as pool:
        logs = list(pool.map(run, shares))
    results = []
    for i, notebook in enumerate(notebooks):
        report = out / f"{notebook.stem}.json"
        results.append(json.loads(report.read_text(encoding="utf-8")) if report.is_file()
                       else {"__error__": logs[i % workers]})
    return results


def grade_bins(bins: list[dict[str, Variant]], tmp: Path) -> list[dict]:
    """Build one notebook per bin and grade them; result i belongs to bins[i]."""
    notebooks = []
    for i, variants in enumerate(bins):
        nb = tmp / f"submission_{i:02d}.ipynb"
        _build_notebook(variants, nb)
        notebooks.append(nb)
    return grade_many(notebooks, tmp / "results")


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> list[dict]:
    """Grade every bin once (in parallel); result i belongs to BINS[i]."""
    return grade_bins(BINS, tmp_path_factory.mktemp("corpus"))


def _bin_of(variant: Variant) -> int:
    return next(i for i, b in enumerate(BINS) if b.get(variant.question) is variant)


def _question(result: dict, name: str) -> dict:
    return next(q for q in result["questions"] if q["name"] == name)


def _describe(q: dict) -> str:
    lines = [f"  {q['name']}: {q['score']}/{q['max_score']}"]
    for t in q["tests"]:
        if t["status"] != "passed":
            lines.append(f"    [{t['status']}] {t.get('id', '?')} / {t['name']}: {t['output'][:400]}")
    return "\n".join(lines)


def _notebook_desc(i: int) -> str:
    return ", ".join(sorted(v.label for v in BINS[i].values()))


def test_corpus_headers_and_coverage():
    """Every graded question has right and wrong variants; headers are valid (parsed at import)."""
    import yaml

    config = yaml.safe_load((ROOT / "grading.yml").read_text(encoding="utf-8"))
    questions = [q["name"] for q in config["assignments"][ASSIGNMENT]["questions"]]
    unknown = sorted({v.label for v in VARIANTS if v.question not in questions})
    assert not unknown, f"variants for unknown questions: {unknown}"
    for q in questions:
        kinds = {v.path.parent.name for v in VARIANTS if v.question == q}
        assert kinds == {"right", "wrong"}, f"question {q} needs right and wrong variants, has {sorted(kinds)}"


@pytest.mark.parametrize("variant", VARIANTS, ids=[v.label for v in VARIANTS])
def test_variant(graded, variant):
    i = _bin_of(variant)
    result = graded[i]
    assert "__error__" not in result, (
        f"{variant.label}: grading submission_{i:02d} ({_notebook_desc(i)}) failed:\n{result.get('__error__')}")
    check_expectation(variant, _question(result, variant.question), f"{variant.label} ({variant.why}) in "
                      f"submission_{i:02d}")


def check_expectation(variant: Variant, q: dict, where: str) -> None:
    """The graded question ``q`` of a variant's notebook is what its header promises."""
    errors = [t for t in q["tests"] if t["status"] == "error"]
    assert not errors, f"{where}: hidden tests ended in a grader error:\n{_describe(q)}"
    if variant.expect == "full":
        assert q["score"] >= q["max_score"] - EPS, f"{where}: a right variant lost points:\n{_describe(q)}"
        hinted = [t["id"] for t in q["tests"] if t.get("hints")]
        assert not hinted, f"{where}: a right variant got explanations of mistakes on {hinted}:\n{_describe(q)}"
    elif variant.expect == "zero":
        assert q["score"] <= EPS, f"{where}: expected zero points:\n{_describe(q)}"
    else:
        assert q["score"] < q["max_score"] - EPS, f"{where}: a wrong variant got full marks:\n{_describe(q)}"
        assert q["score"] > EPS, f"{where}: expected partial credit, got zero:\n{_describe(q)}"
    if variant.fails:
        failed = tuple(sorted(t["id"] for t in q["tests"] if t["status"] != "passed"))
        assert failed == variant.fails, f"{where}: expected exactly {list(variant.fails)} to fail, " \
                                        f"failed {list(failed)}:\n{_describe(q)}"
    if variant.names:
        assert is_named(variant, q), f"{where}: no failed test names the mistake ({' | '.join(variant.names)}):" \
                                     f"\n{_describe(q)}"


def is_named(variant: Variant, q: dict) -> bool:
    """A failed test of the question holds one of the variant's ``# names:`` fragments."""
    return any(name in t["output"] for t in q["tests"] if t["status"] != "passed" for name in variant.names)


def test_wrong_variants_named_share(graded):
    """Issue 11.6: the share of wrong variants whose mistake a hint names (README figure; goal >= 90%).

    A variant without a ``# names:`` header counts as not named."""
    wrong = [v for v in VARIANTS if v.path.parent.name == "wrong"]
    named = [v for v in wrong if v.names and "__error__" not in graded[_bin_of(v)]
             and is_named(v, _question(graded[_bin_of(v)], v.question))]
    print(f"\nwrong variants whose mistake a hint names: {len(named)}/{len(wrong)} ({100 * len(named) / len(wrong):.0f}%)")
    assert len(named) >= 0.9 * len(wrong), sorted(v.label for v in set(wrong) - set(named))


_LEAKS = ("def test_", "_cases", "hidden_tests", "import pytest", "autograder/checks", "Traceback (most recent")


@pytest.mark.parametrize("index", range(len(BINS)), ids=[f"submission_{i:02d}" for i in range(len(BINS))])
def test_feedback_is_specific_and_leak_free(graded, index):
    """Every failed test explains itself (no generic "a hidden check failed"); no hidden source leaks."""
    from autograder.feedback.texts import say

    result = graded[index]
    assert "__error__" not in result, f"submission_{index:02d} ({_notebook_desc(index)}): {result.get('__error__')}"
    generic = {say("hidden_check", "en"), say("hidden_check", "ko")}
    for q in result["questions"]:
        for t in q["tests"]:
            where = f"submission_{index:02d}, {q['name']}, test {t['name']!r}"
            if t["status"] != "passed":
                assert t["output"].strip(), f"{where}: failed without an explanation"
                assert t["output"].strip() not in generic, f"{where}: a bare assert failed (use autograder.engine.checks)"
            leaks = [s for s in _LEAKS if s in t["output"]]
            assert not leaks, f"{where}: feedback leaks {leaks}:\n{t['output'][:1000]}"


@pytest.mark.parametrize("index", range(len(BINS)), ids=[f"submission_{i:02d}" for i in range(len(BINS))])
def test_other_questions_full_marks(graded, index):
    """Questions holding a right variant or the reference solution keep full marks next to wrong variants."""
    result = graded[index]
    assert "__error__" not in result, f"submission_{index:02d} ({_notebook_desc(index)}): {result.get('__error__')}"
    wrong_here = {q for q, v in BINS[index].items() if v.path.parent.name == "wrong"}
    for q in result["questions"]:
        errors = [t for t in q["tests"] if t["status"] == "error"]
        assert not errors, f"submission_{index:02d} ({_notebook_desc(index)}): grader error:\n{_describe(q)}"
        if q["name"] in wrong_here:
            continue
        holder = BINS[index][q["name"]].label if q["name"] in BINS[index] else "the reference solution"
        assert q["score"] >= q["max_score"] - EPS, (
            f"submission_{index:02d}: {q['name']} ({holder}) lost points next to the wrong variants "
            f"{sorted(BINS[index][w].label for w in wrong_here)}:\n{_describe(q)}")
