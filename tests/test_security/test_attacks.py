"""Hostile submissions graded through the real CLI.

Two notebooks: "quiet" attacks try to raise the score or leak secrets and hidden
tests; "loud" attacks try to crash, hang or exhaust the grader.  Each attack
replaces one graded function of the reference solution, so every other
question must still get full marks: one attack costs only its own question.
"""
from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import pytest

import yaml

import warm_cli

from conftest import ASSIGNMENT, ROOT, SOLUTION_DIR, copy_course, tool_env
from autograder.sandbox.launch import probe
from autograder.course.submissions import build_submission

ATTACKS = ROOT / "tests" / "corpus" / ASSIGNMENT / "attacks"
SECRET = "ghp_FAKE_secret_value_4f2a9c"
L2 = probe().startswith("L2")


def _grade(notebook: Path, out: Path, env_extra: dict, course: Path = ROOT) -> tuple[dict, str, subprocess.CompletedProcess]:
    env = tool_env()
    env.update(env_extra)
    proc = warm_cli.autograder("grade", str(notebook), "--assignment", ASSIGNMENT, "--format", "json",
                               "--out", str(out), "--config", str(course / "grading.yml"), cwd=course, env=env,
                               timeout=400)
    assert proc.returncode == 0, proc.stderr
    # Every other format is rendered from this same result object (see test_reports.py).
    return json.loads(out.read_text()), out.read_text() + proc.stdout + proc.stderr, proc


def _scores(result: dict) -> dict[str, tuple[float, float]]:
    return {q["name"]: (q["score"], q["max_score"]) for q in result["questions"]}


def _sleepers() -> list[str]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            cmd = stat.read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if "sleep 987" in cmd or "sleep 988" in cmd:
            found.append(cmd)
    return found


@pytest.fixture(scope="module")
def quiet(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("quiet")
    notebook = build_submission(SOLUTION_DIR / f"{ASSIGNMENT}.ipynb", sorted(ATTACKS.glob("quiet_*.py")),
                                tmp / "quiet.ipynb")
    grading_hash = hashlib.sha256((ROOT / "grading.yml").read_bytes()).hexdigest()
    for leftover in ("/tmp/cnn_grader_pwned_by_reduce", "/tmp/cnn_grader_pwned.txt"):
        Path(leftover).unlink(missing_ok=True)
    result, reports, _ = _grade(notebook, tmp / "quiet.json",
                                {"GITHUB_TOKEN": SECRET, "FAKE_SECRET_TOKEN": SECRET,
                                 "CNN_ATTACK_TARGET": str(tmp / "outside.txt")})
    return result, reports, grading_hash, tmp


#: Shorter limits for the loud attacks, which hang and die on purpose: each hang costs a time limit, twice
#: (two strikes), so the real limits (5 s a call, 15 s to load) made this the slowest file of the suite.
#: Still ten times what the reference needs; what is tested is that the limits hold, not their size.  The
#: same for memory: every call of the memory bomb fills the worker's address space (2.1 s of CPU at the
#: real 4 GiB, 0.4 s at 1 GiB; the worker itself takes ~0.1 GiB).
LOUD_LIMITS = {"call_timeout_s": 2.5, "load_timeout_s": 5, "submission_timeout_s": 120, "memory_mb": 1024}


@pytest.fixture(scope="module")
def loud(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("loud")
    course = copy_course(tmp / "course")
    policy = yaml.safe_load((course / "grading.yml").read_text(encoding="utf-8"))
    policy["assignments"][ASSIGNMENT]["limits"] = dict(LOUD_LIMITS)
    (course / "grading.yml").write_text(yaml.safe_dump(policy, sort_keys=False, allow_unicode=True), encoding="utf-8")
    notebook = build_submission(SOLUTION_DIR / f"{ASSIGNMENT}.ipynb", sorted(ATTACKS.glob("loud_*.py")),
                                tmp / "loud.ipynb")
    result, reports, proc = _grade(notebook, tmp / "loud.json", {}, course)
    return result, reports, proc


def test_quiet_attacks_score_nothing_and_cost_only_their_question(quiet):
    result, _, _, _ = quiet
    scores = _scores(result)
    for name in ("conv_output_shape", "conv_param_count", "conv_single_step", "create_mask_from_window",
                 "distribute_value", "pool_forward"):
        assert scores[name][0] == 0, f"{name}: an attack scored {scores[name]}"
    for name in ("conv_forward", "zero_pad", "conv_backward", "pool_backward"):
        assert scores[name][0] == scores[name][1], f"{name}: untouched or correct function lost points"
    assert result["score"] == sum(s for s, _ in scores.values())


def test_pickled_payload_never_runs_in_the_grader(quiet):
    assert not Path("/tmp/cnn_grader_pwned_by_reduce").exists()


def test_secrets_and_hidden_material_do_not_reach_the_report(quiet):
    _, reports, _, _ = quiet
    assert SECRET not in reports
    hidden_lines = set()
    for path in (ROOT / "source" / ASSIGNMENT / "hidden_tests").glob("*.py"):
        hidden_lines |= {line.strip() for line in path.read_text().splitlines()
                         if line.strip().startswith(("def test_", "assert ", "expect_"))}
    leaked = [line for line in hidden_lines if line in reports]
    assert not leaked, f"hidden test source in the report: {leaked[:3]}"
    assert "np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0))" not in reports  # reference code


@pytest.mark.skipif(not L2, reason="file-system isolation needs sandbox level L2 (bubblewrap)")
def test_files_outside_the_worker_are_untouched(quiet):
    _, _, grading_hash, tmp = quiet
    for path in ("/tmp/cnn_grader_pwned.txt", Path.home() / "cnn_grader_pwned.txt", ROOT / "results.json",
                 ROOT / "source" / ASSIGNMENT / "pwned.py", tmp / "outside.txt"):
        assert not Path(path).exists(), f"the submission wrote {path}"
    assert hashlib.sha256((ROOT / "grading.yml").read_bytes()).hexdigest() == grading_hash


@pytest.mark.skipif(not L2, reason="hiding the disk needs sandbox level L2 (bubblewrap)")
def test_the_worker_cannot_find_hidden_tests_or_solutions(quiet):
    result, _, _, _ = quiet
    pool = next(q for q in result["questions"] if q["name"] == "pool_forward")
    outputs = " ".join(t["output"] for t in pool["tests"])
    assert "FOUND" in outputs  # the attack ran and reported what it saw...
    assert "hidden_tests" not in outputs and "solutions" not in outputs  # ...which was nothing


def test_loud_attacks_neither_crash_nor_hang_the_grader(loud):
    result, _, _ = loud
    scores = _scores(result)
    for name in ("conv_output_shape", "conv_param_count", "zero_pad", "conv_single_step", "conv_forward"):
        assert scores[name][0] == 0, f"{name}: a crashing/hanging function scored {scores[name]}"
    for name in ("pool_forward", "conv_backward", "create_mask_from_window", "distribute_value", "pool_backward"):
        assert scores[name][0] == scores[name][1], f"{name}: lost points next to a crashing function"


def test_loud_attacks_are_explained(loud):
    result, _, _ = loud
    by_name = {q["name"]: " ".join(t["output"] for t in q["tests"]) for q in result["questions"]}
    assert "did not finish" in by_name["conv_single_step"] or "끝나지 않아" in by_name["conv_single_step"]
    assert by_name["zero_pad"] and by_name["conv_param_count"]


def test_no_process_survives_grading(loud):
    assert _sleepers() == []
