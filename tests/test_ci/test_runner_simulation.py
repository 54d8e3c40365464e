"""Every GitHub path, run as GitHub's hosted runners run it: steps as an unprivileged user with sudo.

The template repository's practice workflow, the classroom50 bundle (fetched, extracted and run the
way classroom50's runner.py does), the deadline workflow grade-class.yml (collect, grade a shard,
merge, hand back) and the project's own ci.yml, through tests/runner_sim.py.  One small class per
path; the expensive parts (the user, the built template and bundle) are made once per module.
The seconds each path takes are printed (pytest -s) for the README's figures.
"""
from __future__ import annotations

import csv
import http.server
import json
import shutil
import stat
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from pathlib import Path

import pytest

import runner_sim as sim
from gitrepos import make_repo

ROOT = Path(__file__).resolve().parents[2]
A = "cnn_step_by_step"
NB = f"{A}.ipynb"
SOLUTION = ROOT / "solutions" / A / NB
RELEASE = ROOT / "assignments" / A / NB
PUSH = sim.PUSH
TIMES: dict[str, float] = {}


@pytest.fixture(scope="module")
def runner():
    with sim.hosted_runner("ag-runner-sim-") as host:
        yield host
    if TIMES:
        print("\nseconds per path (install excluded): " + ", ".join(f"{k} {v:.1f}" for k, v in TIMES.items()))


@pytest.fixture(scope="module")
def built(runner):
    from autograder.ci import classroom50, github
    from autograder.config import get_assignment
    assignment = get_assignment(A, ROOT / "grading.yml")
    return {"template": github.init_template(assignment, runner.base / "template"),
            "bundle": classroom50.bundle(assignment, runner.base / "bundle")}


def _work(runner, name: str) -> Path:
    path = runner.base / "runs" / name
    path.mkdir(parents=True)
    return path


# ------------------------------------------------------------------ template
def _practice(runner, built, name: str, notebook: Path | None, context=PUSH):
    repo = runner.base / f"repo-{name}"
    shutil.copytree(built["template"], repo)
    if notebook is not None:
        shutil.copy(notebook, repo / NB)
    workflow = sim.load(repo / ".github/workflows/autograde.yml")
    store = sim.Artifacts(_work(runner, f"{name}-artifacts"))
    started = time.monotonic()
    job = sim.run_job(runner, workflow, "practice", repository=repo, work=_work(runner, name), store=store,
                      context=context, secrets={},
                      skip={"Install the grader": "this environment has the grader; bwrap is installed"})
    return job, store, time.monotonic() - started


def test_template_practice_workflow_gives_points_summary_and_feedback_artifact(runner, built):
    job, store, seconds = _practice(runner, built, "template", SOLUTION)
    TIMES["template practice"] = seconds
    assert job.status == "success", job.log[-3000:]
    assert "::notice title=Points::100/100" in job.log
    assert job.outputs == {"points": "100/100", "score": "100", "max-score": "100"}
    assert "| `conv_forward` | 20 / 20 |" in job.summary
    assert "100 / 100" in (store.names["feedback"] / "feedback.md").read_text()
    # The grader ran as root under the real sudo; its result is the runner's, and nobody else's.
    result = job.temp / "autograder" / "practice-result.json"
    info = result.stat()
    assert (info.st_uid, info.st_gid) == (runner.uid, runner.gid)
    assert not info.st_mode & (stat.S_IRWXG | stat.S_IRWXO)
    assert "sandbox L2" in job.log           # student code really ran in bubblewrap, not as the runner


def test_template_practice_runs_on_the_default_branch_only(runner, built):
    workflow = sim.load(built["template"] / ".github/workflows/autograde.yml")
    job_if = workflow["jobs"]["practice"]["if"]
    other = {"github": dict(PUSH["github"], ref="refs/heads/draft", ref_name="draft")}
    manual = {"github": dict(PUSH["github"], event_name="workflow_dispatch", ref_name="draft")}
    assert sim.condition(job_if, PUSH, "success") and sim.condition(job_if, manual, "success")
    assert not sim.condition(job_if, other, "success")
    assert workflow["on"]["push"] == {"branches": ["**"]}       # no tag pushes
    assert workflow["concurrency"]["cancel-in-progress"] is True


# ------------------------------------------------------------------ classroom50
class _Pages(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def pages(runner, built):
    """The classroom's Pages site on 127.0.0.1: <classroom>/autograders/<slug>.tar.gz, as publish-pages makes it."""
    site = runner.base / "pages"
    (site / "cnn-2026" / "autograders").mkdir(parents=True)
    tarball = site / "cnn-2026" / "autograders" / "conv-numpy.tar.gz"
    with tarfile.open(tarball, "w:gz") as tar:
        tar.add(built["bundle"], arcname="conv-numpy")
    assert tarball.stat().st_size < 2 * 2**20          # classroom50's runner refuses more than 10 MB
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), lambda *a: _Pages(*a, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


# What classroom50's runner.py does with a per-assignment bundle, run as the runner user:
# download, extract (tarfile's data filter) into $RUNNER_TEMP/classroom50-runtime, run
# `sys.executable autograder.py` with the checkout as cwd, non-zero exit = error; then stamp the
# runner-owned fields into result.json (rewriting the file) and validate it.
RUNNER_PY = r'''
import json, os, pathlib, subprocess, sys, tarfile, io, urllib.request
base, classroom, slug = os.environ["PAGES_BASE_URL"], os.environ["CLASSROOM"], os.environ["ASSIGNMENT"]
runtime = pathlib.Path(os.environ["RUNNER_TEMP"]) / "classroom50-runtime"
runtime.mkdir()
data = urllib.request.urlopen(f"{base}/{classroom}/autograders/{slug}.tar.gz", timeout=30).read()
tarfile.open(fileobj=io.BytesIO(data), mode="r:gz").extractall(runtime, filter="data")
env = dict(os.environ, CLASSROOM50_BUNDLE_DIR=str(runtime / slug), USERNAME="kim", OWNER="kim",
           ASSIGNMENT_TYPE="individual", COMMIT_URL="https://github.com/org/cnn-2026-conv-numpy-kim/commit/abc1234",
           RELEASE_URL="https://github.com/org/cnn-2026-conv-numpy-kim/releases/tag/submit%2F1",
           REVIEW_URL="https://github.com/org/cnn-2026-conv-numpy-kim/commit/abc1234")
rc = subprocess.run([sys.executable, str(runtime / slug / "autograder.py")], cwd=os.getcwd(), env=env).returncode
if rc != 0:
    sys.exit(f"status=error: autograder exited {rc}")
path = pathlib.Path("result.json")
result = json.loads(path.read_text())
result.update(owner="kim", assignment_type="individual", datetime="2026-12-02T00:00:00Z",
              graded_at="2026-12-02T00:01:00Z")
path.write_text(json.dumps(result, indent=2) + "\n")
'''


def _classroom50(runner, pages, name: str, notebook_bytes: bytes):
    work = _work(runner, name)
    checkout = work / "checkout"
    checkout.mkdir()
    (checkout / NB).write_bytes(notebook_bytes)
    (checkout / "result.json").write_text('{"score": 999}')        # committed by a student: replaced
    temp = work / "temp"
    temp.mkdir()
    (work / "runner.py").write_text(RUNNER_PY)
    output = temp / "github_output"
    output.touch()
    runner.own(work)
    env = runner.base_env(checkout, temp)
    env.update(PAGES_BASE_URL=pages, CLASSROOM="cnn-2026", ASSIGNMENT="conv-numpy", GITHUB_OUTPUT=str(output),
               SUBMISSION_TAG="submit/20261202T000000Z-abc1234", GITHUB_REPOSITORY="org/cnn-2026-conv-numpy-kim",
               AUTOGRADER_PYTHON=str(sim.BIN / "python"))     # the install step: this environment's grader
    def in_system_temp():
        # Other tests make and remove their own folders there meanwhile: a name gone between listing
        # and lstat was not the runner's.
        owned = set()
        for path in Path(tempfile.gettempdir()).iterdir():
            try:
                if path.lstat().st_uid == runner.uid:
                    owned.add(path)
            except FileNotFoundError:
                pass
        return owned
    before = in_system_temp()
    started = time.monotonic()
    proc = runner.shell(f"python {work / 'runner.py'}\n", cwd=checkout, env=env)
    seconds = time.monotonic() - started
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    # The grader's own folder (its HOME, written as root) is gone; only the runner's files stay.
    assert sorted(p.name for p in temp.iterdir()) == ["classroom50-runtime", "github_output"]
    assert in_system_temp() == before
    return checkout, output.read_text(), proc.stdout + proc.stderr, seconds


def _valid_v1(result: dict) -> None:
    """The checks of classroom50's validate_result (runner.py and collect_scores.py)."""
    assert result["schema"] == "classroom50/result/v1"
    assert (result["classroom"], result["assignment"], result["owner"]) == ("cnn-2026", "conv-numpy", "kim")
    assert result["submission"].startswith("submit/")
    for key in ("commit", "release", "review", "datetime"):
        assert isinstance(result[key], str) and result[key], key
    for obj in [result] + result["tests"]:
        assert type(obj["score"]) is int and type(obj["max-score"]) is int and 0 <= obj["score"] <= obj["max-score"]
    for test in result["tests"]:
        assert isinstance(test["test-name"], str) and test["test-name"] and type(test["passed"]) is bool
    assert sum(t["score"] for t in result["tests"]) == result["score"]


def test_classroom50_bundle_as_classroom50s_runner_runs_it(runner, pages):
    checkout, output, log, seconds = _classroom50(runner, pages, "c50", SOLUTION.read_bytes())
    TIMES["classroom50 bundle"] = seconds
    result = json.loads((checkout / "result.json").read_text())
    _valid_v1(result)
    assert result["score"] == result["max-score"] == 100
    assert output.splitlines()[:2] == ["status=success", "summary=practice 100/100 (10/10 questions complete)"]
    assert "Practice score: 100/100" in (checkout / "release-body.md").read_text()
    assert (checkout / "result.json").stat().st_uid == runner.uid
    for secret in sim.FAKE_TOKENS.values():
        assert secret not in log


def test_classroom50_corrupt_notebook_is_a_graded_zero_with_a_note(runner, pages):
    checkout, output, _, _ = _classroom50(runner, pages, "c50-corrupt", b'{"cells": [')
    result = json.loads((checkout / "result.json").read_text())
    _valid_v1(result)
    assert result["score"] == 0 and result["max-score"] == 100
    assert output.splitlines()[0] == "status=failure"
    body = (checkout / "release-body.md").read_text()
    assert "could not be read as a notebook" in body or "노트북으로 읽을 수 없어" in body


# ------------------------------------------------------------------ deadline grading
@pytest.fixture(scope="module")
def deadline_run(runner):
    """grade-class.yml for one student (the reference solution), every job in order, hand-back included."""
    from autograder.ci.workflow import render_grade_workflow
    base = runner.base / "deadline"
    repo = base / "grading-repo"
    repo.mkdir(parents=True)
    for name in ("grading.yml", "nbgrader_config.py"):
        shutil.copy2(ROOT / name, repo / name)
    for folder in ("source", "assignments", "solutions", "scripts"):
        shutil.copytree(ROOT / folder, repo / folder, ignore=shutil.ignore_patterns("__pycache__"))
    home = base / "git-home"
    home.mkdir()
    make_repo(base / "alice.git", [("2026-12-01T20:00:00+09:00", {NB: SOLUTION.read_bytes()})], home)
    runner.own(base / "alice.git")
    (repo / "roster.csv").write_text(f"student_id,repo_url\nalice,file://{base / 'alice.git'}\n")
    (repo / ".github/workflows").mkdir(parents=True)
    (repo / ".github/workflows/grade-class.yml").write_text(render_grade_workflow(A, 1))
    workflow = sim.load(repo / ".github/workflows/grade-class.yml")
    store = sim.Artifacts(base / "artifacts")
    secrets = {"STUDENT_REPOS_READ_TOKEN": "read-token-1111", "STUDENT_REPOS_WRITE_TOKEN": "write-token-2222",
               "AUTOGRADER_SALT": "salt-for-the-test"}
    context = {"github": PUSH["github"] | {"event_name": "workflow_dispatch"},
               "inputs": {"deadline": "none", "hand_back": True}, "needs": {}}
    skip = {"Install the grader": "this environment has the grader (no pip install of torch)"}
    jobs, seconds = {}, {}
    for job_id in ("collect", "grade", "merge", "hand-back"):
        spec = workflow["jobs"][job_id]
        context["needs"] = {n: {"result": jobs[n].status} for n in jobs}
        if not sim.condition(spec.get("if"), context, "success" if all(
                jobs[n].status == "success" for n in ([spec["needs"]] if isinstance(spec.get("needs"), str)
                                                      else spec.get("needs", []))) else "failure"):
            continue
        matrix = {"shard": spec["strategy"]["matrix"]["shard"][0]} if "strategy" in spec else None
        started = time.monotonic()
        jobs[job_id] = sim.run_job(runner, workflow, job_id, repository=repo, work=base / job_id, store=store,
                                   context=context, secrets=secrets, skip=skip, matrix=matrix)
        seconds[job_id] = time.monotonic() - started
    TIMES["deadline grade shard + merge (1 student)"] = seconds.get("grade", 0) + seconds.get("merge", 0)
    return {"jobs": jobs, "store": store, "base": base, "workflow": workflow}


def test_deadline_workflow_collects_grades_merges_and_hands_back(deadline_run):
    jobs, store = deadline_run["jobs"], deadline_run["store"]
    for job_id in ("collect", "grade", "merge", "hand-back"):
        assert jobs[job_id].status == "success", (job_id, jobs[job_id].log[-4000:])
    assert {"submissions", "shard-1", "grades"} <= set(store.names)
    with open(store.names["grades"] / f"results/{A}/grades.csv", newline="") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    assert list(rows) == ["alice"] and float(rows["alice"]["score"]) == float(rows["alice"]["max_score"]) == 100
    assert (store.names["shard-1"] / "alice.json").is_file()
    feedback = list((store.names["grades"] / "feedback").rglob("*.html"))
    assert feedback, sorted(p.name for p in store.names["grades"].rglob("*"))
    branch = subprocess.run(["git", "--git-dir", str(deadline_run["base"] / "alice.git"), "branch", "--list",
                             "autograder-feedback"], capture_output=True, text=True).stdout
    assert "autograder-feedback" in branch


def test_deadline_jobs_hold_only_the_token_they_need(deadline_run):
    log = {job_id: run.log for job_id, run in deadline_run["jobs"].items()}
    workflow = deadline_run["workflow"]
    env_of = {job_id: json.dumps([s.get("env", {}) for s in workflow["jobs"][job_id]["steps"]])
              for job_id in workflow["jobs"]}
    assert "STUDENT_REPOS_READ_TOKEN" in env_of["collect"] and "WRITE" not in env_of["collect"]
    assert "STUDENT_REPOS_WRITE_TOKEN" in env_of["hand-back"] and "READ" not in env_of["hand-back"]
    assert all(workflow["jobs"][j].get("environment") == "grading" for j in ("collect", "grade", "merge", "hand-back"))
    for text in log.values():
        assert "read-token-1111" not in text and "write-token-2222" not in text and "salt-for-the-test" not in text


def test_deadline_grading_fails_loudly_below_the_required_level(runner, deadline_run):
    """Without sudo the runner cannot give L2+L1: the set-up step and the grader stop with one line."""
    work = deadline_run["base"] / "grade" / "workspace"
    env = runner.base_env(work, deadline_run["base"] / "grade" / "temp")
    setup = runner.shell('bash scripts/install-sandbox.sh --require L2+L1\n', cwd=work, env=env)
    assert setup.returncode == 1 and "refusing to grade below it" in setup.stderr
    grade = runner.shell(f"python -m autograder batch {A} --shard 1/1 --no-feedback --sandbox L2+L1\n",
                         cwd=work, env=env)
    assert grade.returncode == 2, grade.stdout[-1500:] + grade.stderr[-1500:]
    assert "needs root" in grade.stderr and grade.stderr.count("\n") == 1


# ------------------------------------------------------------------ the project's own CI
def test_the_projects_ci_workflow_runs_as_the_runner(runner):
    """ci.yml's lint job whole; its test job on this machine's Python, with `make test` dry-run (-n):
    the suite this test belongs to is not run inside itself."""
    repo = runner.base / "project"
    repo.mkdir()
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy2(ROOT / name, repo / name)
    for folder in (".github", "scripts"):
        shutil.copytree(ROOT / folder, repo / folder)
    (repo / ".venv").symlink_to(sys.prefix)          # what `make setup` leaves: this environment
    workflow = sim.load(repo / ".github/workflows/ci.yml")
    assert workflow["jobs"]["test"]["strategy"]["matrix"]["python"] == ["3.11", "3.12", "3.13", "3.14"]
    skip = {"Install (make setup)": "this environment is the installed project"}
    lint = sim.run_job(runner, workflow, "lint", repository=repo, work=_work(runner, "ci-lint"),
                       store=sim.Artifacts(_work(runner, "ci-artifacts")), context=PUSH, secrets={}, skip=skip)
    assert lint.status == "success", lint.log[-3000:]
    assert "No findings to report" in lint.log
    test = sim.run_job(runner, workflow, "test", repository=repo, work=_work(runner, "ci-test"),
                       store=sim.Artifacts(_work(runner, "ci-artifacts-2")), context=PUSH, secrets={}, skip=skip,
                       matrix={"python": sim.PYTHON_VERSION},
                       replace={"make test": 'out="$(sudo --preserve-env=PIP_EXTRA_INDEX_URL make -n test)"\n'
                                             'echo "$out"\ngrep -q "python -m pytest" <<<"$out"\n'})
    assert test.status == "success", test.log[-3000:]
    assert ("System tools (bubblewrap, sudo, chromium)", "success") in test.steps
