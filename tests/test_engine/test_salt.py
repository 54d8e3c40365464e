"""Salted hidden inputs (autograder.engine.salt): a student cannot harvest inputs and expected
values from one grading context's feedback and replay them in another.

Checked:
* the salt's precedence (option, file, environment, public default) and its one-line errors;
* a seed depends on salt, assignment and test id; the recorded digest never shows the salt;
* grading the same notebook with the same salt gives the same result (timings aside), another
  salt other inputs and expected values, and the salt appears in no report format;
* the salt never reaches the sandboxed worker (student code looks for it everywhere it can read);
* partial-credit stability: the whole cnn corpus keeps its promises under several salts.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

from autograder.engine.salt import ENV_VAR, PUBLIC, Salt, SaltError, resolve_salt
from conftest import ROOT, SOURCE_NOTEBOOK, run_cli, tool_env
from test_assignments.test_corpus import BINS, _build_notebook, _notebook_desc, _question, check_expectation, grade_many

ASSIGNMENT = "cnn_step_by_step"
OTHER_SALTS = ("term-2026-fall-3b1f", "practice-9e07")


# -- the salt itself ------------------------------------------------------------------------

def test_precedence_option_file_environment_default(tmp_path):
    salt_file = tmp_path / "salt.txt"
    salt_file.write_text("from-file\n", encoding="utf-8")
    env = {ENV_VAR: "from-env"}
    assert resolve_salt("from-option", environ=env) == Salt("from-option", "option")
    assert resolve_salt(None, salt_file, environ=env) == Salt("from-file", "file")
    assert resolve_salt(None, environ=env) == Salt("from-env", "environment")
    assert resolve_salt(None, environ={}) == PUBLIC
    assert resolve_salt(None, environ={ENV_VAR: "  "}) == PUBLIC     # set but blank: as if unset


def test_bad_salts_are_one_line_errors(tmp_path):
    with pytest.raises(SaltError, match="either --salt or --salt-file"):
        resolve_salt("a", tmp_path / "x")
    with pytest.raises(SaltError, match="cannot read the salt file"):
        resolve_salt(None, tmp_path / "missing.txt")
    (tmp_path / "empty.txt").write_text("\n", encoding="utf-8")
    with pytest.raises(SaltError, match="empty"):
        resolve_salt(None, tmp_path / "empty.txt")
    with pytest.raises(SaltError, match="empty"):
        resolve_salt("")


def test_seed_depends_on_salt_assignment_and_test():
    a, b = Salt("alpha"), Salt("beta")
    seeds = {a.seed("cnn", "test_values[2x2]"), b.seed("cnn", "test_values[2x2]"),
             a.seed("other", "test_values[2x2]"), a.seed("cnn", "test_values[2x3]")}
    assert len(seeds) == 4
    assert a.seed("cnn", "test_values[2x2]") == Salt("alpha").seed("cnn", "test_values[2x2]")


def test_digest_identifies_the_salt_without_showing_it():
    secret = "s3cret-term-salt"
    digest = Salt(secret).digest
    assert re.fullmatch(r"[0-9a-f]{16}", digest)
    assert digest == Salt(secret, "file").digest != Salt(secret + "x").digest
    assert secret not in digest and secret not in repr(Salt(secret))


def test_cli_refuses_two_salts_in_one_line(tmp_path):
    proc = run_cli("grade", str(SOURCE_NOTEBOOK), "--assignment", ASSIGNMENT, "--salt", "a",
                   "--salt-file", str(tmp_path / "s"))
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "either --salt or --salt-file" in proc.stderr
    assert "Traceback" not in proc.stderr


# -- grading with salts ---------------------------------------------------------------------

#: A student who returns what earlier feedback printed: constants for the small questions.
CONSTANT_ANSWERS = {
    "conv_output_shape": "def conv_output_shape(input_shape, f, n_filters, pad, stride):\n    return (4, 3, 6)\n",
    "conv_param_count": "def conv_param_count(f, n_C_prev, n_filters):\n    return 95\n",
    "distribute_value": ("import numpy as np\n\ndef distribute_value(dz, shape):\n"
                         "    return np.full(shape, 0.75)\n"),
}


def _notebook_with(cells: dict[str, str], path: Path) -> Path:
    nb = nbformat.read(SOURCE_NOTEBOOK, as_version=4)
    for cell in nb.cells:
        grade_id = (cell.get("metadata", {}).get("nbgrader") or {}).get("grade_id")
        if cell.cell_type == "code" and grade_id in cells:
            cell.source, cell.outputs = cells[grade_id], []
    nbformat.write(nb, path)
    return path


def _grade_with(notebook: Path, out: Path, fmt: str = "json", *extra: str, env: dict | None = None) -> str:
    proc = run_cli("grade", str(notebook), "--assignment", ASSIGNMENT, "--format", fmt, "--out", str(out), *extra)
    assert proc.returncode == 0, proc.stderr
    return out.read_text(encoding="utf-8")


def _without_timings(result: dict) -> dict:
    return {k: v for k, v in result.items() if k not in ("duration_s", "timings")}


def _failed_outputs(result: dict) -> dict[str, str]:
    return {f"{q['name']}/{t['id']}": t["output"] for q in result["questions"] for t in q["tests"]
            if t["status"] != "passed"}


@pytest.fixture(scope="module")
def constant_notebook(tmp_path_factory) -> Path:
    return _notebook_with(CONSTANT_ANSWERS, tmp_path_factory.mktemp("salt") / "constants.ipynb")


SALT_A, SALT_B = "salt-A-71c2", "salt-B-0d9e"


@pytest.fixture(scope="module")
def constant_grades(constant_notebook, tmp_path_factory) -> dict[str, dict]:
    """The constant answers graded under salt A (as an option and from a file) and under salt B."""
    tmp = tmp_path_factory.mktemp("constant-grades")
    (tmp / "a.txt").write_text(SALT_A, encoding="utf-8")
    return {"first": json.loads(_grade_with(constant_notebook, tmp / "a1.json", "json", "--salt", SALT_A)),
            "again": json.loads(_grade_with(constant_notebook, tmp / "a2.json", "json", "--salt-file",
                                            str(tmp / "a.txt"))),
            "other": json.loads(_grade_with(constant_notebook, tmp / "b.json", "json", "--salt", SALT_B))}


def test_same_salt_same_result_other_salt_other_inputs(constant_grades):
    first, again, other = constant_grades["first"], constant_grades["again"], constant_grades["other"]
    assert _without_timings(first) == _without_timings(again)
    assert first["salt_digest"] == Salt(SALT_A).digest != other["salt_digest"]
    # The constants fail in both contexts, but on other inputs with other expected values:
    # nothing printed under one salt answers the salted tests of the other.
    a, b = _failed_outputs(first), _failed_outputs(other)
    salted = [k for k in a if "lecture" not in k]
    assert len(salted) >= 10, sorted(a)
    differ = [k for k in salted if a[k] != b.get(k)]
    # (a few small-range cases may draw the same numbers by chance; most must not)
    assert len(differ) >= 0.8 * len(salted), f"same feedback under two salts: {sorted(set(salted) - set(differ))}"
    for text in (json.dumps(first), json.dumps(other)):
        assert SALT_A not in text and SALT_B not in text


def test_public_cases_stay_fixed(constant_grades):
    """The lecture examples are public anyway: the same under every salt."""
    one, two = constant_grades["first"], constant_grades["other"]
    lecture_one = {k: v for k, v in _failed_outputs(one).items() if "lecture" in k}
    assert lecture_one, "the constant answers should fail the lecture examples too"
    assert lecture_one == {k: v for k, v in _failed_outputs(two).items() if "lecture" in k}


@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "gradescope"])
def test_salt_appears_in_no_report(constant_notebook, tmp_path, fmt):
    secret = "never-print-me-5a1"
    text = _grade_with(constant_notebook, tmp_path / f"r.{fmt}", fmt, "--salt", secret)
    assert secret not in text


SNOOP = '''
import os

def conv_param_count(f, n_C_prev, n_filters):
    """Looks for the grading context's salt everywhere a worker can read."""
    marker = "{marker}"
    places = [k for k, v in os.environ.items() if marker in v or marker in k]
    paths = ["/proc/self/environ", "/proc/self/cmdline"]
    try:
        paths += [f"/proc/{{p}}/{{n}}" for p in os.listdir("/proc") if p.isdigit() for n in ("environ", "cmdline")]
    except OSError:
        pass
    for path in paths:
        try:
            with open(path, "rb") as handle:
                if marker.encode() in handle.read():
                    places.append(path)
        except OSError:
            pass
    return 1000 + len(places) if places else 0      # the feedback prints what came back
'''


@pytest.mark.parametrize("how", ["environment", "file"])
def test_the_worker_never_sees_the_salt(tmp_path, how):
    marker = "salt-marker-" + how + "-4f2d8c"
    nb = _notebook_with({"conv_param_count": SNOOP.format(marker=marker)}, tmp_path / "snoop.ipynb")
    env = tool_env()
    args = ["grade", str(nb), "--assignment", ASSIGNMENT, "--format", "json", "--out", str(tmp_path / "r.json"),
            "--lang", "en"]
    if how == "environment":
        env[ENV_VAR] = marker
    else:
        (tmp_path / "salt").write_text(marker, encoding="utf-8")
        args += ["--salt-file", str(tmp_path / "salt")]
    from warm_cli import autograder
    proc = autograder(*args, cwd=ROOT, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr
    result = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert result["salt_digest"] == Salt(marker).digest      # the salt was in use
    outputs = "\n".join(t["output"] for t in _question(result, "conv_param_count")["tests"])
    got = [int(n) for n in re.findall(r"got (\d+)\.", outputs)]
    assert got, outputs                                       # the snooping function did run
    assert set(got) == {0}, f"the worker found the salt in {max(got) - 1000} place(s):\n{outputs}"


# -- partial-credit stability ---------------------------------------------------------------

@pytest.fixture(scope="module")
def graded_under_salts(tmp_path_factory) -> dict[str, list[dict]]:
    """Every corpus bin graded under each of OTHER_SALTS (the public salt is test_corpus's run)."""
    tmp = tmp_path_factory.mktemp("corpus-salted")
    notebooks = []
    for i, variants in enumerate(BINS):
        nb = tmp / f"submission_{i:02d}.ipynb"
        _build_notebook(variants, nb)
        notebooks.append(nb)
    return {salt: grade_many(notebooks, tmp / salt, env=dict(tool_env(), **{ENV_VAR: salt})) for salt in OTHER_SALTS}


@pytest.mark.parametrize("salt", OTHER_SALTS)
def test_corpus_keeps_its_promises_under_every_salt(graded_under_salts, salt):
    """Right variants and the reference keep full marks, every wrong variant loses points
    (and fails exactly its pinned tests) whatever the salt."""
    for i, variants in enumerate(BINS):
        result = graded_under_salts[salt][i]
        assert "__error__" not in result, f"{salt}, submission_{i:02d} ({_notebook_desc(i)}): {result['__error__']}"
        assert result["salt_digest"] == Salt(salt).digest
        for variant in variants.values():
            check_expectation(variant, _question(result, variant.question),
                              f"{variant.label} ({variant.why}) under salt {salt!r}")
        for q in result["questions"]:
            if q["name"] not in variants:
                assert q["score"] >= q["max_score"] - 1e-3, \
                    f"the reference {q['name']} lost points under salt {salt!r} in submission_{i:02d}"
