"""The command line as a TA and a student use it: exit codes, formats, languages."""
from __future__ import annotations

import json

import pytest

from conftest import ASSIGNMENT, RELEASE_DIR, ROOT, SOLUTION_DIR, run_cli

SOLUTION = SOLUTION_DIR / f"{ASSIGNMENT}.ipynb"
STUB = RELEASE_DIR / f"{ASSIGNMENT}.ipynb"


@pytest.fixture(scope="module")
def solution_result(tmp_path_factory):
    out = tmp_path_factory.mktemp("sol") / "result.json"
    proc = run_cli("grade", str(SOLUTION), "--assignment", ASSIGNMENT, "--format", "json", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    return json.loads(out.read_text())


@pytest.fixture(scope="module")
def stub_result(tmp_path_factory):
    out = tmp_path_factory.mktemp("stub") / "result.json"
    proc = run_cli("grade", str(STUB), "--assignment", ASSIGNMENT, "--format", "json", "--out", str(out),
                   "--lang", "en")
    assert proc.returncode == 0, proc.stderr
    return json.loads(out.read_text())


def test_reference_solution_gets_exactly_full_marks(solution_result):
    r = solution_result
    assert r["score"] == r["max_score"] == 100
    names = [q["name"] for q in r["questions"]]
    assert names == ["conv_output_shape", "conv_param_count", "zero_pad", "conv_single_step", "conv_forward",
                     "pool_forward", "conv_backward", "create_mask_from_window", "distribute_value", "pool_backward"]
    for q in r["questions"]:
        assert q["score"] == q["max_score"], q["name"]
        assert len(q["tests"]) >= 5, f"{q['name']}: too few hidden tests for partial credit"
        assert all(t["status"] == "passed" for t in q["tests"])
        assert abs(sum(t["max_score"] for t in q["tests"]) - q["max_score"]) < 1e-3
    assert r["sandbox"] in {"L0", "L1", "L2", "L2+L1"}
    assert set(r) >= {"assignment", "score", "max_score", "sandbox", "duration_s", "questions"}


def test_released_stub_gets_zero_with_not_implemented_per_question(stub_result):
    r = stub_result
    assert r["score"] == 0
    for q in r["questions"]:
        assert q["score"] == 0
        assert "not implemented" in q["summary"], q
        assert all(t["status"] == "failed" for t in q["tests"])  # failed, never "error"


def test_text_report_in_korean_and_english():
    ko = run_cli("grade", str(STUB), "--assignment", ASSIGNMENT, "--lang", "ko")
    en = run_cli("grade", str(STUB), "--assignment", ASSIGNMENT, "--lang", "en")
    assert ko.returncode == en.returncode == 0
    assert "아직 구현되지 않았습니다" in ko.stdout and "점수: 0 / 100" in ko.stdout
    assert "not implemented yet" in en.stdout and "Score: 0 / 100" in en.stdout


def test_gradescope_format(tmp_path):
    out = tmp_path / "results.json"
    proc = run_cli("grade", str(SOLUTION), "--assignment", ASSIGNMENT, "--format", "gradescope", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(out.read_text())
    assert data["score"] == 100
    assert data["tests"] and all({"name", "score", "max_score", "status", "output", "visibility"} <= set(t)
                                  for t in data["tests"])
    assert abs(sum(t["max_score"] for t in data["tests"]) - 100) < 1e-2


def test_check_command_runs_only_visible_checks():
    proc = run_cli("check", str(SOLUTION), "--assignment", ASSIGNMENT, "--format", "json", "--lang", "en")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["score"] == 100
    assert all(t["name"].endswith("visible check") for q in data["questions"] for t in q["tests"])
    stub = json.loads(run_cli("check", str(STUB), "--assignment", ASSIGNMENT, "--format", "json",
                              "--lang", "en").stdout)
    assert stub["score"] == 0


@pytest.mark.parametrize("assignment, lang, unfinished", [
    (ASSIGNMENT, "en", "is not implemented yet"),
    (ASSIGNMENT, "ko", "구현되지 않았습니다"),
    ("transfer_learning", "en", "is not implemented yet"),     # its release default is Korean
    ("cnn_inside", "en", "is not implemented yet"),
])
def test_visible_checks_speak_the_requested_language(assignment, lang, unfinished):
    """`check --lang` reaches the check modules in the worker (AUTOGRADER_LANG), over check_settings.json."""
    stub = RELEASE_DIR.parent / assignment / f"{assignment}.ipynb"
    data = json.loads(run_cli("check", str(stub), "--assignment", assignment, "--format", "json",
                              "--lang", lang).stdout)
    functions = [q for q in data["questions"] if not q["name"].endswith("_config")]
    assert functions and all(unfinished in q["summary"] for q in functions), [q["summary"] for q in functions]


@pytest.mark.parametrize("content, fragment", [
    ("", "empty"),
    ("this is not json", "invalid JSON"),
    ('{"hello": 1}', "nbformat"),
])
def test_unusable_notebook_is_one_line_exit_2(tmp_path, content, fragment):
    bad = tmp_path / "bad.ipynb"
    bad.write_text(content)
    out = tmp_path / "result.json"
    proc = run_cli("grade", str(bad), "--assignment", ASSIGNMENT, "--format", "json", "--out", str(out))
    assert proc.returncode == 2
    assert fragment in proc.stderr and proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert not out.exists(), "no grade file may be written when grading did not happen"


@pytest.mark.parametrize("args, fragment", [
    (["grade", "missing.ipynb", "--assignment", ASSIGNMENT], "no such file"),
    (["grade", str(SOLUTION), "--assignment", "nope"], "unknown assignment"),
    (["grade", str(SOLUTION)], "--assignment"),
    (["grade", str(SOLUTION), "--assignment", ASSIGNMENT, "--format", "pdf"], "invalid choice"),
    (["frobnicate"], "invalid choice"),
])
def test_bad_arguments_are_one_line_exit_2(args, fragment):
    proc = run_cli(*args)
    assert proc.returncode == 2
    assert fragment in proc.stderr and "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1


@pytest.mark.parametrize("args, help_command", [
    ([], "autograder --help"),                                   # no command at all
    (["frobnicate"], "autograder --help"),                       # an unknown one
    (["grade"], "autograder grade --help"),
    (["github", "init"], "autograder github init --help"),       # a nested command names its whole path
])
def test_a_usage_error_points_to_the_help_of_the_command_typed(args, help_command):
    """The usage line names the help that exists (it once said 'autograder autograder --help')."""
    proc = run_cli(*args)
    assert proc.returncode == 2 and proc.stderr.rstrip().endswith(f"(see '{help_command}')"), proc.stderr


def test_markdown_and_html_reports(tmp_path):
    for fmt, marker in (("markdown", "## "), ("html", "<!DOCTYPE html>")):
        proc = run_cli("grade", str(STUB), "--assignment", ASSIGNMENT, "--format", fmt, "--lang", "en")
        assert proc.returncode == 0 and proc.stdout.startswith(marker)
        assert "conv_forward" in proc.stdout


def _without_timings(result: dict) -> dict:
    return {k: v for k, v in result.items() if k not in ("duration_s", "timings", "notebook")}


def test_several_notebooks_in_one_run_grade_as_each_alone(tmp_path, solution_result, stub_result):
    """One run, suites collected once: each report equals the one-notebook run; a missing notebook is one
    line and exit 2, and the others are still graded."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "solution.ipynb").write_bytes(SOLUTION.read_bytes())
    (folder / "stub.ipynb").write_bytes(STUB.read_bytes())
    out = tmp_path / "reports"
    proc = run_cli("grade", str(folder / "stub.ipynb"), str(folder / "missing.ipynb"), str(folder / "solution.ipynb"),
                   "--assignment", ASSIGNMENT, "--format", "json", "--out", str(out), "--lang", "en")
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"autograder: error: {folder / 'missing.ipynb'}: no such file; check the path of the submission"]
    assert sorted(p.name for p in out.iterdir()) == ["solution.json", "stub.json"]
    stub = json.loads((out / "stub.json").read_text())
    solution = json.loads((out / "solution.json").read_text())
    assert _without_timings(stub) == _without_timings(stub_result)
    def scores(result):   # the module's solution run is in Korean, this one in English
        return [(t["id"], t["score"], t["status"]) for q in result["questions"] for t in q["tests"]]
    assert scores(solution) == scores(solution_result) and solution["score"] == solution_result["score"]


@pytest.mark.parametrize("extra, fragment", [
    ([], "several notebooks need --out FOLDER"),
    (["--out", "reports"], "two notebooks would share the report"),
])
def test_several_notebooks_need_a_folder_and_distinct_names(tmp_path, extra, fragment):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.ipynb").write_bytes(STUB.read_bytes())
    second = str(SOLUTION) if not extra else str(tmp_path / "a" / "x.ipynb")
    copy = tmp_path / "x.ipynb"
    copy.write_bytes(STUB.read_bytes())
    proc = run_cli("grade", str(copy), second, "--assignment", ASSIGNMENT,
                   *[str(tmp_path / e) if e == "reports" else e for e in extra])
    assert proc.returncode == 2 and fragment in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "reports").exists()


@pytest.mark.parametrize("threaded", [False, True])
def test_the_quick_exit_flushes_output_runs_exit_handlers_and_keeps_the_status(tmp_path, threaded):
    """``python -m autograder`` skips the interpreter's teardown (half a second with torch loaded):
    everything printed must still arrive, exit handlers must still run, the status must be main's,
    and a thread still working must be waited for."""
    import os
    import subprocess
    import sys
    marker, done = tmp_path / "exit-handler-ran", tmp_path / "thread-finished"
    script = (
        "import atexit, sys, threading, time\n"
        "import autograder.cli\n"
        f"atexit.register(lambda: open({str(marker)!r}, 'w').close())\n"
        "def late():\n"
        f"    time.sleep(0.5); open({str(done)!r}, 'w').close()\n"
        "def fake_main(argv=None):\n"
        "    sys.stdout.write('x' * 3000)\n"        # stays in the buffer until flushed
        "    sys.stderr.write('the end')\n"
        f"    if {threaded}: threading.Thread(target=late).start()\n"
        "    return 3\n"
        "autograder.cli.main = fake_main\n"
        "import runpy; runpy.run_module('autograder', run_name='__main__')\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}   # buffered, as in a real pipe
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 3, proc.stderr
    assert proc.stdout == "x" * 3000 and proc.stderr.endswith("the end")
    assert marker.exists()
    assert done.exists() == threaded


def test_a_profiled_command_still_writes_its_profile(tmp_path):
    """`python -m cProfile -o FILE -m autograder ...` writes FILE when the command ends."""
    import subprocess
    import sys
    stats = tmp_path / "cli.prof"
    proc = subprocess.run([sys.executable, "-m", "cProfile", "-o", str(stats), "-m", "autograder", "grade",
                           str(tmp_path / "missing.ipynb"), "--assignment", ASSIGNMENT],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert "no such file" in proc.stderr, proc.stderr     # (cProfile itself exits 0 after a SystemExit)
    assert stats.stat().st_size > 0


def test_nbgrader_started_our_way_answers_and_fails_as_nbgrader_does(tmp_path):
    """The demo, batch and release run nbgrader through autograder.course.nbgrader_cli (a faster start):
    same output, same exit status, as `python -m nbgrader`."""
    import os
    import subprocess
    import sys
    from autograder.course.nbgrader_cli import command
    from warm_cli import python
    for args in (["--version"], ["generate_assignment", "nonexistent"]):
        ours = subprocess.run(command(*args), cwd=tmp_path, capture_output=True, text=True, timeout=120)
        stock = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=tmp_path, capture_output=True,
                               text=True, timeout=120)
        assert ours.returncode == stock.returncode and ours.stdout == stock.stdout, args
        # and the suites' warm start of the same command (tests/warm_cli.py) answers as the cold one
        warm = python(command(*args)[1:], tmp_path, dict(os.environ), 120)
        assert (warm.returncode, warm.stdout, warm.stderr) == (ours.returncode, ours.stdout, ours.stderr), args
    assert stock.returncode != 0 and "nonexistent" in stock.stderr + stock.stdout


def test_a_new_gradebook_is_stamped_as_nbgrader_stamps_it_without_the_alembic_program(tmp_path):
    """nbgrader stamps a new gradebook with the revision `alembic heads` prints, by starting that program;
    our entry point reads the same revision in its own process (nbgrader_cli.alembic_head)."""
    import os
    import sqlite3
    from pathlib import Path
    import subprocess
    import sys
    from nbgrader.dbutil import write_alembic_ini
    from autograder.course.nbgrader_cli import alembic_head, command
    from warm_cli import python
    write_alembic_ini(str(tmp_path / "alembic.ini"), f"sqlite:///{tmp_path / 'unused.db'}")
    heads = subprocess.run([str(Path(sys.executable).with_name("alembic")), "-c", str(tmp_path / "alembic.ini"),
                            "heads"], capture_output=True, text=True, timeout=120)
    assert heads.returncode == 0, heads.stderr
    assert alembic_head() == heads.stdout.split()[0]
    # Without the program on PATH stock nbgrader cannot make a gradebook; ours makes it, stamped the same.
    env = dict(os.environ, PATH="/usr/bin:/bin")
    for side, argv in (("ours", command()[1:]), ("stock", ["-m", "nbgrader"])):
        course = tmp_path / side
        course.mkdir()
        proc = python([*argv, "db", "student", "add", "kim"], course, env, 120)
        if side == "stock":
            assert proc.returncode != 0 and "alembic" in proc.stdout + proc.stderr
            continue
        assert proc.returncode == 0, proc.stdout + proc.stderr
        with sqlite3.connect(course / "gradebook.db") as db:
            assert db.execute("SELECT version_num FROM alembic_version").fetchall() == [(alembic_head(),)]
            assert db.execute("SELECT id FROM student").fetchall() == [("kim",)]


def test_a_warm_start_answers_as_a_cold_start(tmp_path):
    """The suite's run_cli forks from a warm process (tests/warm_cli.py): it must answer exactly as a cold
    `python -m autograder` does (output, errors, exit status, the report it writes)."""
    import subprocess
    import sys
    from conftest import tool_env
    from warm_cli import autograder
    statuses = []
    for args in (["frobnicate"], ["grade", "missing.ipynb", "--assignment", ASSIGNMENT],
                 ["grade", str(STUB), "--assignment", ASSIGNMENT, "--lang", "en", "--format", "json", "--out", "{}"]):
        cold_args = [str(tmp_path / "cold.json") if a == "{}" else a for a in args]
        warm_args = [str(tmp_path / "warm.json") if a == "{}" else a for a in args]
        cold = subprocess.run([sys.executable, "-m", "autograder", *cold_args], cwd=ROOT, env=tool_env(),
                              capture_output=True, text=True, timeout=600)
        warm = autograder(*warm_args, cwd=ROOT, env=tool_env())
        assert (warm.returncode, warm.stdout, warm.stderr) == (cold.returncode, cold.stdout, cold.stderr), args
        statuses.append(cold.returncode)
    assert statuses == [2, 2, 0]
    cold, warm = (json.loads((tmp_path / f"{side}.json").read_text()) for side in ("cold", "warm"))
    assert _without_timings(warm) == _without_timings(cold) and warm["score"] == 0


@pytest.mark.parametrize("args", [
    ["-c", "import sys, os; print(sys.argv[1:], os.getcwd()); sys.exit(int(sys.argv[2]))", "x", "3"],
    ["-c", "import sys; sys.stderr.write('no newline'); raise ValueError('boom')"],
])
def test_warm_snippets_answer_as_cold_ones(tmp_path, args):
    """The course suites run small scripts warm too (tests/warm_cli.py, `python`; nbgrader's commands are
    compared in the test above)."""
    import subprocess
    import sys
    from conftest import tool_env
    from warm_cli import python
    cold = subprocess.run([sys.executable, *args], cwd=tmp_path, env=tool_env(tmp_path), capture_output=True,
                          text=True, timeout=300)
    warm = python(args, tmp_path, tool_env(tmp_path), 300)
    assert (warm.returncode, warm.stdout, warm.stderr) == (cold.returncode, cold.stdout, cold.stderr)
