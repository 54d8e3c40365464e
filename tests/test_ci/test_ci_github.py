"""The generated student template repository, end to end (the classroom50 folder: test_runner_simulation.py).

The workflow's jobs run through the runner simulation (tests/runner_sim.py): every run step as an
unprivileged user with the real passwordless sudo, as on GitHub's hosted runners, with
GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, RUNNER_TEMP and fake job tokens set as Actions sets them.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest

import runner_sim as sim
from autograder.ci import github
from autograder.config import get_assignment

ROOT = Path(__file__).resolve().parents[2]
A = "cnn_step_by_step"
SOLUTION = ROOT / "solutions" / A / f"{A}.ipynb"
RELEASE = ROOT / "assignments" / A / f"{A}.ipynb"
BIN = Path(sys.executable).parent
FAKE_TOKENS = sim.FAKE_TOKENS
PUSH = sim.PUSH

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox uid switch needs root (CI runs as root)")


@pytest.fixture(scope="module")
def built():
    with sim.hosted_runner("ag-ci-github-") as runner:
        assignment = get_assignment(A, ROOT / "grading.yml")
        template = github.init_template(assignment, runner.base / "template")
        yield {"template": template, "runner": runner}


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


def _run_workflow(template: Path, notebook: Path | None, runner: sim.Runner, attack: bool = False):
    """Run the generated workflow's job as the runner does; return what it produced."""
    repo = Path(tempfile.mkdtemp(prefix="repo-", dir=runner.base)) / "repo"
    shutil.copytree(template, repo)
    work = Path(tempfile.mkdtemp(prefix="run-", dir=runner.base))
    workspace, temp = work / "workspace", work / "temp"
    target = repo / f"{A}.ipynb"
    if attack:
        _attack_notebook(target, workspace, temp)
    elif notebook is not None:
        shutil.copy(notebook, target)
    store = sim.Artifacts(work / "artifacts")
    job = sim.run_job(runner, sim.load(repo / github.WORKFLOW), "practice", repository=repo, work=work,
                      store=store, context=PUSH, secrets={},
                      skip={"Install the grader": "this environment has the grader; bwrap is installed"})
    assert job.status == "success", job.log[-4000:]
    feedback = store.names.get("feedback")
    return {"log": job.log, "output": "".join(f"{k}={v}\n" for k, v in job.outputs.items()),
            "summary": job.summary, "feedback": (feedback / github.FEEDBACK_MD).read_text() if feedback else "",
            "workspace": workspace}


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
    run = _run_workflow(built["template"], SOLUTION, built["runner"])
    score, maximum = _points(run["log"])
    assert score == maximum == 100
    assert "| `conv_forward` | 20 / 20 |" in run["summary"]
    assert run["output"].splitlines() == ["points=100/100", "score=100", "max-score=100"]
    assert "100 / 100" in run["feedback"]


def test_workflow_untouched_release_gets_zero(built, tmp_path):
    run = _run_workflow(built["template"], RELEASE, built["runner"])
    assert _points(run["log"]) == (0, 100)
    assert run["output"].splitlines()[0] == "points=0/100"


def test_workflow_attack_changes_nothing(built, tmp_path):
    run = _run_workflow(built["template"], None, built["runner"], attack=True)
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
    # One run for both files (it names each file it rejects): the tool's start is most of its time.
    check = subprocess.run([str(schema), "--builtin-schema", "vendor.github-workflows", *map(str, workflows)],
                           capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr
