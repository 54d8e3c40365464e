"""`autograder github grade-workflow`: grade-class.yml passes actionlint and GitHub's workflow schema;
the Slurm array script calls the shard command it documents."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT
from inprocess import cli as run_cli

BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    path = shutil.which(name, path=str(BIN)) or shutil.which(name)
    if path is None:   # both are pinned in the dev extra: missing only when `make setup` was not run
        pytest.skip(f"{name} is not installed (pip install -e '.[dev]')")
    return path


@pytest.fixture(scope="module")
def workflow(tmp_path_factory) -> Path:
    dest = tmp_path_factory.mktemp("wf")
    proc = run_cli("github", "grade-workflow", str(dest), "--assignment", "cnn_step_by_step", "--shards", "4",
                   "--deadline", "2026-12-01T23:59:00+09:00", "--cron", "0 15 1 12 *")
    assert proc.returncode == 0, proc.stderr
    return dest / "grade-class.yml"


def test_actionlint_accepts_the_workflow(workflow):
    proc = subprocess.run([_tool("actionlint"), "-no-color", str(workflow)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_workflow_matches_githubs_schema(workflow):
    proc = subprocess.run([_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(workflow)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_workflow_collects_grades_in_shards_and_merges(workflow):
    spec = yaml.safe_load(workflow.read_text())
    jobs = spec["jobs"]
    assert jobs["grade"]["needs"] == "collect" and jobs["grade"]["strategy"]["matrix"]["shard"] == [1, 2, 3, 4]
    assert set(jobs["merge"]["needs"]) == {"collect", "grade"}
    assert spec[True]["schedule"] == [{"cron": "0 15 1 12 *"}]           # YAML reads the key `on` as True
    assert spec["env"]["DEFAULT_DEADLINE"] == "2026-12-01T23:59:00+09:00"
    runs = {job: "\n".join(step.get("run", "") for step in body["steps"]) for job, body in jobs.items()}
    assert "collect-repos" in runs["collect"] and "--token-env STUDENT_REPOS_TOKEN" in runs["collect"]
    assert '--shard "$SHARD/$SHARDS"' in runs["grade"] and "autograder merge" in runs["merge"]
    for job in ("grade", "merge"):                 # the salt reaches the grading commands, from a secret
        step = next(s for s in jobs[job]["steps"] if "autograder" in s.get("run", "") and "sudo" in s.get("run", ""))
        assert step["env"]["AUTOGRADER_SALT"] == "${{ secrets.AUTOGRADER_SALT }}"
        assert "--preserve-env=AUTOGRADER_SALT" in step["run"]
    text = workflow.read_text()
    assert "secrets.STUDENT_REPOS_READ_TOKEN" in text and "TOKEN }}" not in runs["collect"]
    assert "--sandbox \"$SANDBOX\"" in runs["grade"] and "--sandbox \"$SANDBOX\"" in runs["merge"]
    assert spec["env"]["SANDBOX"] == "L2+L1"


@pytest.mark.parametrize("args, fragment", [
    (["--shards", "0"], "positive integer"),
    (["--shards", "300"], "between 1 and 256"),
    (["--deadline", "2026-12-01 23:59"], "no time zone"),
    (["--cron", "every day"], "five-field cron"),
    (["--roster", "x\"; rm -rf /"], "plain path"),
])
def test_bad_workflow_parameters_are_one_line_exit_2(tmp_path, args, fragment):
    proc = run_cli("github", "grade-workflow", str(tmp_path / "wf.yml"), "--assignment", "cnn_step_by_step", *args)
    assert proc.returncode == 2 and fragment in proc.stderr and proc.stderr.count("\n") == 1
    assert not (tmp_path / "wf.yml").exists()


def test_the_slurm_array_script_runs_the_shard_of_its_task(tmp_path):
    stub = tmp_path / "autograder"
    stub.write_text('#!/bin/sh\necho "$@"\n')
    stub.chmod(0o755)
    env = dict(os.environ, AUTOGRADER=str(stub), SLURM_ARRAY_TASK_ID="2", SLURM_ARRAY_TASK_COUNT="4",
               SLURM_CPUS_PER_TASK="3")
    proc = subprocess.run(["bash", str(ROOT / "scripts" / "slurm" / "grade-class.sbatch"), "cnn_step_by_step"],
                          env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["batch", "cnn_step_by_step", "--shard", "2/4", "-j", "3", "--no-feedback",
                                   "--sandbox", "L2"]
    env["AUTOGRADER_SANDBOX"] = "L2+L1"      # the required level is the instructor's to raise
    proc = subprocess.run(["bash", str(ROOT / "scripts" / "slurm" / "grade-class.sbatch"), "cnn_step_by_step"],
                          env=env, capture_output=True, text=True)
    assert proc.stdout.split()[-2:] == ["--sandbox", "L2+L1"]


def test_a_folder_with_a_trailing_slash_gets_grade_class_yml(tmp_path):
    """`grade-workflow .github/workflows/`: the README's command writes into the folder, existing or not."""
    dest = tmp_path / ".github" / "workflows"
    proc = run_cli("github", "grade-workflow", f"{dest}/", "--assignment", "cnn_step_by_step")
    assert proc.returncode == 0, proc.stderr
    assert (dest / "grade-class.yml").is_file() and dest.is_dir()
    proc = run_cli("github", "grade-workflow", str(tmp_path / "one.yml"), "--assignment", "cnn_step_by_step")
    assert proc.returncode == 0 and (tmp_path / "one.yml").is_file()
