"""Gradescope: the autograder zip, and the real run_autograder on a simulated /autograder tree.

The zip is built once, unpacked as Gradescope does (zip -> <root>/source, run_autograder
copied to <root>/run_autograder), and run with AUTOGRADER_ROOT pointing at a temporary
folder and this venv's interpreter in place of the one setup.sh would install.
"""
from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import tomllib
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import ASSIGNMENT, RELEASE_DIR, ROOT, SOLUTION_DIR
from autograder.ci import gradescope
from autograder.cli import main as cli_main
from autograder.config import ConfigError, get_assignment
from autograder.course.submissions import build_submission

POLICY = get_assignment(ASSIGNMENT, ROOT / "grading.yml")
NB = f"{ASSIGNMENT}.ipynb"
SALT = "salt-for-the-gradescope-tests-5d1f"


@pytest.fixture(scope="module")
def autograder_zip(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("gradescope") / "autograder.zip"
    gradescope.build(ASSIGNMENT, out, config=ROOT / "grading.yml", salt=SALT)
    return out


def unpack(archive: Path, root: Path) -> Path:
    """What Gradescope's image build does with the zip."""
    (root / "source").mkdir(parents=True)
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(root / "source")
    (root / "run_autograder").write_bytes((root / "source" / "run_autograder").read_bytes())
    (root / "run_autograder").chmod(0o755)
    (root / "submission").mkdir()
    (root / "results").mkdir()
    return root


def run_autograder(root: Path, **env) -> tuple[subprocess.CompletedProcess, dict]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AUTOGRADER_")}
    clean.update({"AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": sys.executable, **env})
    proc = subprocess.run([str(root / "run_autograder")], cwd=root, env=clean, capture_output=True, text=True,
                          timeout=600)
    results = root / "results" / "results.json"
    return proc, json.loads(results.read_text()) if results.is_file() else {}


def assert_gradescope_format(results: dict) -> None:
    """The fields of Gradescope's results.json spec that this writer uses."""
    assert isinstance(results["score"], (int, float)) and isinstance(results["output"], str)
    assert results["visibility"] in ("visible", "hidden", "after_due_date", "after_published")
    for test in results["tests"]:
        assert set(test) >= {"name", "score", "max_score", "status", "output", "visibility"}
        assert test["status"] in ("passed", "failed") and 0 <= test["score"] <= test["max_score"] + 1e-9
    # the points shown add up exactly (in decimal, as the student adds them up) to the total shown
    assert sum(Decimal(str(t["max_score"])) for t in results["tests"]) == Decimal(str(POLICY.max_score))
    assert sum(Decimal(str(t["score"])) for t in results["tests"]) == Decimal(str(results["score"]))
    assert results["output_format"] == "text" and all(t["output_format"] == "text" for t in results["tests"])


# -- the zip ---------------------------------------------------------------------------

def test_zip_holds_what_gradescope_needs_and_only_this_assignment(autograder_zip, tmp_path):
    with zipfile.ZipFile(autograder_zip) as zf:
        infos = {i.filename: i for i in zf.infolist()}
        read = lambda name: zf.read(name).decode()   # noqa: E731
        for script in ("setup.sh", "run_autograder"):
            assert stat.S_IMODE(infos[script].external_attr >> 16) == 0o755
            assert read(script).startswith("#!/usr/bin/env bash\n")
        assert stat.S_IMODE(infos["salt"].external_attr >> 16) == 0o600 and read("salt") == SALT
        project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
        assert read("requirements.txt").split() == project["dependencies"]
        hidden = {f"course/source/{ASSIGNMENT}/{q}" for question in POLICY.questions for q in question.tests}
        assert hidden <= set(infos)
        assert f"course/source/{ASSIGNMENT}/{NB}" in infos and f"course/assignments/{ASSIGNMENT}/{NB}" in infos
        others = [n for n in infos if "transfer_learning" in n or n.startswith("course/solutions")
                  or "__pycache__" in n or n.endswith(".pyc")]
        assert not others
        assert "kit/autograder/ci/gradescope.py" in infos and "kit/autograder/engine/hidden_pytest.ini" in infos
        assert "kit/autograder/sandbox/inside/worker.py" in infos    # every subpackage, the worker's folder too
        assert json.loads(read("gradescope.json"))["assignment"] == ASSIGNMENT
        (tmp_path / "grading.yml").write_text(read("course/grading.yml"))
    import yaml
    assert list(yaml.safe_load((tmp_path / "grading.yml").read_text())["assignments"]) == [ASSIGNMENT]
    for script in ("setup.sh", "run_autograder"):   # both parse as bash
        proc = subprocess.run(["bash", "-n", str(gradescope.SCRIPTS / script)], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr


def test_building_twice_gives_the_same_bytes(autograder_zip, tmp_path):
    gradescope.build(ASSIGNMENT, tmp_path / "again.zip", config=ROOT / "grading.yml", salt=SALT)
    assert (tmp_path / "again.zip").read_bytes() == autograder_zip.read_bytes()


@pytest.mark.parametrize("argv, fragment", [
    (["gradescope", "build", "no_such_assignment", "x.zip", "--config", str(ROOT / "grading.yml")],
     "unknown assignment"),
    (["gradescope", "build", ASSIGNMENT, "x.zip", "--config", "/nonexistent/grading.yml"], "not found"),
])
def test_bad_build_arguments_are_one_line_exit_2(tmp_path, monkeypatch, capsys, argv, fragment):
    monkeypatch.chdir(tmp_path)
    assert cli_main(argv) == 2
    err = capsys.readouterr().err
    assert fragment in err and err.count("\n") == 1 and not (tmp_path / "x.zip").exists()


def test_build_needs_the_released_files(course_copy, tmp_path):
    import shutil
    shutil.rmtree(course_copy / "assignments" / ASSIGNMENT)
    with pytest.raises(gradescope.GradescopeError, match="autograder release"):
        gradescope.build(ASSIGNMENT, tmp_path / "a.zip", config=course_copy / "grading.yml")
    assert not (tmp_path / "a.zip").exists()


# -- run_autograder on a simulated tree ------------------------------------------------

def test_check_reports_the_assignment_and_sandbox_level(autograder_zip, tmp_path):
    """setup.sh's last step: a broken unpack fails the Gradescope build instead of every submission."""
    root = unpack(autograder_zip, tmp_path / "autograder")
    said = []
    gradescope.check(root, echo=said.append)
    assert said[0].startswith(f"autograder ready: {ASSIGNMENT}, {len(POLICY.questions)} questions, 100 points")
    assert "sandbox level L" in said[0]
    (root / "source" / "course" / "grading.yml").write_text("assignments: {}\n")
    with pytest.raises(ConfigError, match="grading.yml"):
        gradescope.check(root, echo=said.append)


def test_reference_solution_gets_full_marks_whatever_its_name(autograder_zip, tmp_path):
    root = unpack(autograder_zip, tmp_path / "autograder")
    (root / "submission" / "upload").mkdir()
    (root / "submission" / "upload" / "HW3 final (1).ipynb").write_bytes((SOLUTION_DIR / NB).read_bytes())
    proc, results = run_autograder(root)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert_gradescope_format(results)
    assert results["score"] == pytest.approx(POLICY.max_score)
    assert all(t["status"] == "passed" for t in results["tests"])


@pytest.fixture(scope="module")
def stub_results(autograder_zip, tmp_path_factory) -> str:
    root = unpack(autograder_zip, tmp_path_factory.mktemp("stub") / "autograder")
    (root / "submission" / NB).write_bytes((RELEASE_DIR / NB).read_bytes())
    proc, results = run_autograder(root)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return (root / "results" / "results.json").read_text()


def test_released_stub_scores_zero(stub_results):
    results = json.loads(stub_results)
    assert_gradescope_format(results)
    assert results["score"] == 0 and all(t["status"] == "failed" for t in results["tests"])


_ATTACK = '''# question: zero_pad
# why: knows Gradescope's layout: overwrites results.json, plants code in the grader, steals hidden tests and salt
import glob
ROOT = {root!r}

def _try(action):
    try:
        return action()
    except Exception as exc:
        return repr(exc)

for _target in (ROOT + "/results/results.json", "/autograder/results/results.json", "results.json"):
    _try(lambda: open(_target, "w").write('{{"score": 999, "output": "PWNED", "tests": []}}'))
for _target in glob.glob(ROOT + "/source/kit/autograder/**/*.py", recursive=True) + [ROOT + "/run_autograder"]:
    _try(lambda: open(_target, "a").write("\\nprint('PWNED')\\n"))
_loot = ""
for _pattern in (ROOT + "/source/course/source/*/hidden_tests/*.py", ROOT + "/source/salt", "/autograder/source/salt"):
    for _path in glob.glob(_pattern):
        _loot += str(_try(lambda: open(_path).read()))[:3000]

def zero_pad(X, pad):
    raise RuntimeError("LOOT " + _loot + repr(sorted(glob.glob(ROOT + "/source/**", recursive=True)))[:3000])
'''


def test_an_attacking_notebook_changes_nothing(autograder_zip, tmp_path, stub_results):
    from autograder.sandbox.launch import probe
    if probe() == "L0":
        pytest.skip("sandbox level L0 here (no root, no bubblewrap): the student's code runs as the grader's "
                    "user and can reach the autograder tree; Gradescope runs as root (L1 or better)")
    root = unpack(autograder_zip, tmp_path / "autograder")
    variant = tmp_path / "attack.py"
    variant.write_text(_ATTACK.format(root=str(root)))
    build_submission(RELEASE_DIR / NB, [variant], root / "submission" / NB)
    shipped = {p: p.read_bytes() for p in (root / "source").rglob("*") if p.is_file()}
    runner = (root / "run_autograder").read_bytes()
    proc, results = run_autograder(root)
    assert proc.returncode == 0, proc.stderr[-2000:]
    text = (root / "results" / "results.json").read_text()
    assert_gradescope_format(results)
    assert results["score"] == 0 and "PWNED" not in text and "PWNED" not in proc.stdout
    assert {p: p.read_bytes() for p in shipped} == shipped and (root / "run_autograder").read_bytes() == runner
    assert SALT not in text
    hidden_lines = {line.strip() for path in (root / "source" / "course" / "source").rglob("*.py")
                    for line in path.read_text().splitlines() if len(line.strip()) > 30}
    leaked = [line for line in hidden_lines if line in text and line not in stub_results]
    assert not leaked, leaked[:3]
    assert "LOOT" in text   # the attack did run and its message did reach the report


def test_no_notebook_scores_zero_with_a_message(autograder_zip, tmp_path):
    root = unpack(autograder_zip, tmp_path / "autograder")
    (root / "submission" / "answers.py").write_text("def zero_pad(X, pad): ...\n")
    assert gradescope.run(root, echo=lambda *a: None) == 0
    results = json.loads((root / "results" / "results.json").read_text())
    assert_gradescope_format(results)
    assert results["score"] == 0 and NB in results["output"] and "answers.py" in results["output"]


def test_several_notebooks_without_the_expected_name_are_not_guessed(autograder_zip, tmp_path):
    root = unpack(autograder_zip, tmp_path / "autograder")
    for name in ("draft.ipynb", "final.ipynb"):
        (root / "submission" / name).write_bytes((SOLUTION_DIR / NB).read_bytes())
    assert gradescope.run(root, echo=lambda *a: None) == 0
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == 0 and "draft.ipynb" in results["output"] and NB in results["output"]


def test_a_corrupt_notebook_scores_zero_with_a_message(autograder_zip, tmp_path):
    root = unpack(autograder_zip, tmp_path / "autograder")
    (root / "submission" / NB).write_text('{"cells": [')
    assert gradescope.run(root, echo=lambda *a: None) == 0
    results = json.loads((root / "results" / "results.json").read_text())
    assert_gradescope_format(results)
    assert results["score"] == 0 and NB in results["output"]


def test_a_broken_autograder_still_writes_results_json(autograder_zip, tmp_path, capsys):
    root = unpack(autograder_zip, tmp_path / "autograder")
    (root / "source" / gradescope.MANIFEST).unlink()
    (root / "submission" / NB).write_bytes((SOLUTION_DIR / NB).read_bytes())
    assert gradescope.run(root, echo=lambda *a: None) == 1
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == 0 and gradescope.MANIFEST in results["output"]
    assert "Traceback" in capsys.readouterr().out    # for the instructor's eyes (Gradescope's results/stdout)
    # The real run_autograder: the traceback is in its standard output, the only stream Gradescope keeps.
    proc, results = run_autograder(root)
    assert proc.returncode == 1 and results["score"] == 0 and results["output_format"] == "text"
    assert "Traceback" in proc.stdout and gradescope.MANIFEST in proc.stdout and proc.stderr == ""


def test_the_salt_reaches_the_grader_from_the_zip_unless_the_environment_has_one(autograder_zip, tmp_path):
    root = unpack(autograder_zip, tmp_path / "autograder")
    fake = tmp_path / "fake-python"      # stands in for the interpreter: records what it was given
    fake.write_text('#!/bin/sh\nprintf "%s|%s|%s" "$AUTOGRADER_SALT" "$PYTHONPATH" "$*" > "$0.log"\n')
    fake.chmod(0o755)
    run_autograder(root, AUTOGRADER_PYTHON=str(fake))
    salt, path, args = Path(f"{fake}.log").read_text().split("|")
    assert salt == SALT and path == str(root / "source" / "kit")
    assert args == f"-m autograder gradescope run --root {root}"
    run_autograder(root, AUTOGRADER_PYTHON=str(fake), AUTOGRADER_SALT="from-gradescope-settings")
    assert Path(f"{fake}.log").read_text().split("|")[0] == "from-gradescope-settings"


# -- which notebook ----------------------------------------------------------------------

def _touch(folder: Path, *names: str) -> None:
    for name in names:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text("{}")


def test_choose_notebook(tmp_path):
    one = tmp_path / "one"
    _touch(one, "sub/whatever name.ipynb", ".ipynb_checkpoints/x-checkpoint.ipynb", "__MACOSX/sub/._x.ipynb")
    assert gradescope.choose_notebook(one, NB, "en") == (one / "sub" / "whatever name.ipynb", "")

    several = tmp_path / "several"
    _touch(several, NB, f"old/{NB}", "scratch.ipynb")
    chosen, note = gradescope.choose_notebook(several, NB, "en")
    assert chosen == several / NB and "scratch.ipynb" in note and f"old/{NB}" in note

    tied = tmp_path / "tied"
    _touch(tied, f"a/{NB}", f"b/{NB}")
    chosen, note = gradescope.choose_notebook(tied, NB, "ko")
    assert chosen is None and f"a/{NB}" in note and "제출" in note


def test_a_symlinked_notebook_is_not_followed(tmp_path):
    """A zip can carry a link to the instructor's files: the trusted grader must not read through it."""
    secret = tmp_path / "instructor" / NB
    _touch(secret.parent, NB)
    upload = tmp_path / "upload"
    upload.mkdir()
    (upload / "mine.ipynb").symlink_to(secret)
    (upload / "dir").symlink_to(secret.parent, target_is_directory=True)
    chosen, note = gradescope.choose_notebook(upload, NB, "en")
    assert chosen is None and NB in note
