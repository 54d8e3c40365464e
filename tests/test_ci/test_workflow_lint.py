"""Every workflow the project generates or runs, linted: actionlint and zizmor, no findings.

A finding that has to stay would be suppressed with a `# zizmor: ignore[rule]` comment that says why,
next to its line; none is needed today.  Actions are pinned to full commit SHAs with the release tag
beside each, and every workflow that installs the project takes PyTorch's CPU build.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT

BIN = Path(sys.executable).parent
PIN = re.compile(r"^\s*(?:-\s*)?uses:\s*([\w.-]+/[\w.-]+)@([0-9a-f]{40})\s+#\s*v\d+(\.\d+)*\s*$")


def _tool(name: str) -> str:
    path = shutil.which(name, path=str(BIN)) or shutil.which(name)
    if path is None:   # pinned in the dev extra: missing only when `make setup` was not run
        pytest.skip(f"{name} is not installed (pip install -e '.[dev]')")
    return path


@pytest.fixture(scope="module")
def workflows(tmp_path_factory) -> dict[str, Path]:
    from autograder.ci.github import _workflow
    from autograder.ci.workflow import render_grade_workflow
    from autograder.config import get_assignment
    out = tmp_path_factory.mktemp("workflows")
    found = {"ci.yml": ROOT / ".github" / "workflows" / "ci.yml"}
    for name in ("cnn_step_by_step", "transfer_learning"):
        path = out / f"autograde-{name}.yml"
        path.write_text(_workflow(get_assignment(name, ROOT / "grading.yml")))
        found[path.name] = path
    for name, options in {"grade-class.yml": {}, "grade-class-scheduled.yml": {
            "deadline": "2026-12-01T23:59:00+09:00", "cron": "0 15 1 12 *"}}.items():
        path = out / name
        path.write_text(render_grade_workflow("cnn_step_by_step", 4, **options))
        found[name] = path
    return found


def test_actionlint_finds_nothing(workflows):
    proc = subprocess.run([_tool("actionlint"), "-no-color", *map(str, workflows.values())],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_zizmor_finds_nothing(workflows):
    proc = subprocess.run([_tool("zizmor"), "--offline", "--no-progress", "--persona", "pedantic", *map(str, workflows.values())],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "No findings to report" in proc.stdout, proc.stdout + proc.stderr


def test_zizmor_would_catch_a_tag_pinned_action(tmp_path, workflows):
    """The linter run above can fail: the same workflow with a tag instead of a SHA is a finding."""
    text = re.sub(r"actions/checkout@[0-9a-f]{40}\s+#\s*v[\d.]+", "actions/checkout@v5",
                  workflows["ci.yml"].read_text())
    (tmp_path / "ci.yml").write_text(text)
    proc = subprocess.run([_tool("zizmor"), "--offline", "--no-progress", "--persona", "auditor",
                           str(tmp_path / "ci.yml")], capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0 and "unpinned-uses" in proc.stdout, proc.stdout


def test_every_action_is_pinned_to_a_commit_with_its_tag_beside_it(workflows):
    for name, path in workflows.items():
        for line in path.read_text().splitlines():
            if re.match(r"^\s*(-\s*)?uses:", line):
                assert PIN.match(line), f"{name}: {line.strip()}"


def test_every_install_of_the_project_takes_the_cpu_build_of_torch(workflows):
    for name, path in workflows.items():
        spec = yaml.safe_load(path.read_text())
        for job_id, job in spec["jobs"].items():
            runs = [s for s in job["steps"] if "pip install" in s.get("run", "") or "make setup" in s.get("run", "")]
            if not runs:
                continue
            setup = next(s for s in job["steps"] if "setup-python" in s.get("uses", ""))
            assert setup["with"].get("cache-dependency-path"), (name, job_id)   # keyed on the lock it installs
            env = {**spec.get("env", {}), **job.get("env", {})}
            cpu = "download.pytorch.org/whl/cpu"
            if "-r requirements.txt" in runs[0]["run"]:     # the template: the index is in its requirements
                from autograder.ci.practice import requirements_text
                assert f"--extra-index-url https://{cpu}" in requirements_text("w.whl").splitlines()
                continue
            assert any(cpu in (s.get("run", "") + str(s.get("env", {})) + str(env.get("PIP_EXTRA_INDEX_URL", "")))
                       for s in runs), (name, job_id)


def test_every_artifact_upload_may_be_repeated_by_a_re_run(workflows):
    for name, path in workflows.items():
        for job_id, job in yaml.safe_load(path.read_text())["jobs"].items():
            for step in job["steps"]:
                if step.get("uses", "").startswith("actions/upload-artifact@"):
                    assert step["with"].get("overwrite") is True, (name, job_id, step["with"].get("name"))
