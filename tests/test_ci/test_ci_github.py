"""The generated student template repository and classroom50 folder, end to end.

The workflow's run steps are executed here in order, in a copy of a generated
template repository, with GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, RUNNER_TEMP and
fake job tokens set as Actions would (``uses:`` steps skipped, the install step
replaced by this venv, ``sudo`` by a shim: the tests run as root already).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

from autograder.ci import classroom50, github
from autograder.config import get_assignment

ROOT = Path(__file__).resolve().parents[2]
A = "cnn_step_by_step"
SOLUTION = ROOT / "solutions" / A / f"{A}.ipynb"
RELEASE = ROOT / "assignments" / A / f"{A}.ipynb"
BIN = Path(sys.executable).parent
FAKE_TOKENS = {"GITHUB_TOKEN": "ghs_faketoken1234567890", "ACTIONS_RUNTIME_TOKEN": "runtime-secret-0987",
               "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "oidc-secret-5555",
               "ACTIONS_ID_TOKEN_REQUEST_URL": "https://oidc.invalid/token?secret=7777"}

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox uid switch needs root (CI runs as root)")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    base = tmp_path_factory.mktemp("ci")
    assignment = get_assignment(A, ROOT / "grading.yml")
    template = github.init_template(assignment, base / "template")
    bundle = classroom50.bundle(assignment, base / "bundle")
    shim = base / "bin"
    shim.mkdir()
    # Stands in for the runner's passwordless sudo: drop sudo's options, run the command (we are root).
    (shim / "sudo").write_text('#!/bin/sh\nwhile [ $# -gt 0 ]; do case "$1" in -*) shift;; *) break;; esac; done\n'
                               'exec "$@"\n')
    (shim / "sudo").chmod(0o755)
    return {"template": template, "bundle": bundle, "shim": shim}


def _attack_notebook(path: Path, workspace: Path, temp: Path) -> None:
    """The release with a hostile first cell, and zero_pad looping forever (its check cell deleted)."""
    nb = nbformat.read(RELEASE, as_version=4)
    targets = [workspace / "result.json", temp / "autograder" / "practice-result.json",
               workspace / ".autograder" / "grading.yml"]
    attack = f'''
import os, sys, glob
for line in ("::add-mask::ghs", "::stop-commands::pwn", "::set-output name=points::999", "::error::pwned",
             "##[set-output name=points;]999"):
    print(line); print(line, file=sys.stderr)
stolen = {{k: v for k, v in os.environ.items() if "TOKEN" in k or "GITHUB" in k}}
for path in glob.glob("/proc/*/environ") + [os.path.expanduser("~/.git-credentials")]:
    try:
        stolen[path] = open(path, errors="replace").read()[:2000]
    except OSError:
        pass
for var in ("GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY"):
    try:
        open(os.environ[var], "a").write("points=999\\n::add-mask::x\\n")
    except Exception:
        pass
for target in {[str(t) for t in targets]!r}:
    try:
        open(target, "w").write('{{"score": 999}}')
    except OSError:
        pass
raise RuntimeError("::add-mask::" + repr(stolen)[:3000] + "\\n::set-output name=points::999")
'''
    nb.cells.insert(0, nbformat.v4.new_code_cell(attack))
    kept = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade_id") == "test_zero_pad":
            continue
        if meta.get("grade_id") == "zero_pad":
            cell.source = "def zero_pad(X, pad):\n    while True:\n        pass\n"
        kept.append(cell)
    nb.cells = kept
    nbformat.write(nb, path)


def _run_workflow(template: Path, notebook: Path | None, tmp: Path, shim: Path, attack: bool = False):
    """Execute the run steps of the generated workflow like the runner; return what it produced."""
    workspace = tmp / "workspace"
    shutil.copytree(template, workspace)
    temp = tmp / "runner-temp"
    temp.mkdir()
    target = workspace / f"{A}.ipynb"
    if attack:
        _attack_notebook(target, workspace, temp)
    elif notebook is not None:
        shutil.copy(notebook, target)
    output, summary = tmp / "github_output", tmp / "step_summary"
    output.touch()
    summary.touch()
    workflow = yaml.safe_load((workspace / github.WORKFLOW).read_text())
    job = workflow["jobs"]["practice"]
    env = {"PATH": f"{shim}{os.pathsep}{BIN}{os.pathsep}/usr/bin:/bin", "HOME": str(tmp), "CI": "true",
           "GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(workspace), "RUNNER_TEMP": str(temp),
           "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary), **FAKE_TOKENS}
    for key, value in job["env"].items():
        env[key] = str(value).replace("${{ runner.temp }}", str(temp))
    logs = []
    for step in job["steps"]:
        if "uses" in step or "pip install" in step["run"]:
            continue   # actions and the install step: this venv has the grader, the machine has bwrap
        proc = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=workspace, env=env, capture_output=True,
                              text=True, timeout=300)
        logs.append(proc.stdout + proc.stderr)
        assert proc.returncode == 0, (step.get("name"), proc.stdout[-2000:], proc.stderr[-2000:])
    feedback = temp / "autograder" / github.FEEDBACK_MD
    return {"log": "\n".join(logs), "output": output.read_text(), "summary": summary.read_text(),
            "feedback": feedback.read_text() if feedback.exists() else "", "workspace": workspace}


def _points(log: str) -> tuple[float, float]:
    found = re.findall(r"^::notice title=Points::([\d.]+)/([\d.]+)$", log, re.M)
    assert len(found) == 1, log[-3000:]
    return float(found[0][0]), float(found[0][1])


def _commands(text: str) -> list[str]:
    return [line for line in re.split(r"\r\n|\r|\n", text) if line.lstrip().startswith(("::", "##["))]


def test_template_repository_contents(built):
    template = built["template"]
    names = {p.relative_to(template).as_posix() for p in template.rglob("*") if p.is_file()}
    assert {f"{A}.ipynb", "README.md", "requirements.txt", github.WORKFLOW, "cnn_checks.py"} <= names
    # Nothing of the instructor's side: no source notebook, no non-public hidden test, no solution.
    assert not any(n.endswith(f"source/{A}/{A}.ipynb") for n in names)
    shipped = "\n".join((template / n).read_text(errors="replace") for n in names if n.endswith(".py"))
    assert "def test_numerical_gradient" not in shipped and "def pool_backward_np" not in shipped
    assert "def conv_np" not in shipped
    readme = (template / "README.md").read_text()
    assert "autograder check" in readme and "학생" in readme and "For students" in readme
    requirements = (template / "requirements.txt").read_text().splitlines()
    pins = [r for r in requirements if r and not r.startswith(("#", "-", "./"))]
    assert pins and all("==" in r for r in pins)
    assert any(r.startswith("./.autograder/wheels/") and r.endswith(".whl") for r in requirements)


def test_workflow_reference_gets_full_practice_marks(built, tmp_path):
    run = _run_workflow(built["template"], SOLUTION, tmp_path, built["shim"])
    score, maximum = _points(run["log"])
    assert score == maximum == 100
    assert "| `conv_forward` | 20 / 20 |" in run["summary"]
    assert run["output"].splitlines() == ["points=100/100", "score=100", "max-score=100"]
    assert "100 / 100" in run["feedback"]


def test_workflow_untouched_release_gets_zero(built, tmp_path):
    run = _run_workflow(built["template"], RELEASE, tmp_path, built["shim"])
    assert _points(run["log"]) == (0, 100)
    assert run["output"].splitlines()[0] == "points=0/100"


def test_workflow_attack_changes_nothing(built, tmp_path):
    run = _run_workflow(built["template"], None, tmp_path, built["shim"], attack=True)
    score, maximum = _points(run["log"])
    assert maximum == 100 and score < 100
    assert run["output"].splitlines() == [f"points={score:g}/100", f"score={score:g}", "max-score=100"]
    assert _commands(run["log"]) == [f"::notice title=Points::{score:g}/100"]
    assert _commands(run["summary"]) == [] and _commands(run["feedback"]) == []
    everything = run["log"] + run["summary"] + run["feedback"] + run["output"]
    for secret in FAKE_TOKENS.values():
        assert secret not in everything
    assert "999" not in run["output"] and not (run["workspace"] / "result.json").exists()
    kit_policy = Path(github.KIT) / "grading.yml"
    assert (run["workspace"] / kit_policy).read_bytes() == (built["template"] / kit_policy).read_bytes()
    assert "RuntimeError" in run["feedback"]   # the student does see their own error (defused)
    assert "zero_pad" in run["feedback"]


def test_workflow_files_pass_actionlint_and_the_workflow_schema(built, tmp_path):
    from autograder.ci.github import _workflow
    workflows = [built["template"] / github.WORKFLOW]
    tl = tmp_path / "tl.yml"   # the other assignment's workflow: the same generator, other names
    tl.write_text(_workflow(get_assignment("transfer_learning", ROOT / "grading.yml")))
    workflows.append(tl)
    actionlint = BIN / "actionlint"
    schema = BIN / "check-jsonschema"
    for tool in (actionlint, schema):
        assert tool.exists(), f"{tool.name} missing: run make setup (pinned in the dev extra)"
    for wf in workflows:
        lint = subprocess.run([str(actionlint), "-no-color", "-shellcheck=", str(wf)], capture_output=True,
                              text=True, timeout=60)
        assert lint.returncode == 0, lint.stdout + lint.stderr
        check = subprocess.run([str(schema), "--builtin-schema", "vendor.github-workflows", str(wf)],
                               capture_output=True, text=True, timeout=120)
        assert check.returncode == 0, check.stdout + check.stderr


def test_classroom50_autograder_follows_the_v1_contract(built, tmp_path):
    bundle = built["bundle"]
    size = sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file())
    assert size < 2 * 2**20
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    shutil.copy(SOLUTION, checkout / f"{A}.ipynb")
    (checkout / "result.json").write_text('{"score": 999}')   # committed by a student: replaced
    output = tmp_path / "github_output"
    env = {"PATH": f"{built['shim']}{os.pathsep}{BIN}{os.pathsep}/usr/bin:/bin", "HOME": str(tmp_path),
           "RUNNER_TEMP": str(tmp_path), "GITHUB_OUTPUT": str(output), "CLASSROOM": "cnn-2026",
           "ASSIGNMENT": "conv-numpy", "USERNAME": "kim", "SUBMISSION_TAG": "submit/20261202T000000Z-abc1234",
           "COMMIT_URL": "https://github.com/org/cnn-2026-conv-numpy-kim/commit/abc1234",
           "RELEASE_URL": "https://github.com/org/cnn-2026-conv-numpy-kim/releases/tag/submit%2F1",
           "AUTOGRADER_PYTHON": sys.executable, **FAKE_TOKENS}
    proc = subprocess.run([sys.executable, str(bundle / "autograder.py")], cwd=checkout, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    result = json.loads((checkout / "result.json").read_text())
    assert result["schema"] == "classroom50/result/v1"
    for field in ("classroom", "assignment", "submission", "commit", "release", "review", "datetime"):
        assert isinstance(result[field], str) and result[field], field
    assert (result["classroom"], result["assignment"], result["owner"]) == ("cnn-2026", "conv-numpy", "kim")
    assert type(result["score"]) is int and type(result["max-score"]) is int
    assert result["score"] == result["max-score"] == 100
    assert sum(t["score"] for t in result["tests"]) == result["score"]
    assert sum(t["max-score"] for t in result["tests"]) == result["max-score"]
    for test in result["tests"]:
        assert set(test) == {"test-name", "passed", "score", "max-score"}
        assert type(test["score"]) is int and type(test["max-score"]) is int and test["passed"] is True
    assert "100" in (checkout / "release-body.md").read_text()
    lines = output.read_text().splitlines()
    assert lines[0] == "status=success" and lines[1].startswith("summary=practice 100/100") and len(lines) == 2
    for secret in FAKE_TOKENS.values():
        assert secret not in proc.stdout + proc.stderr
