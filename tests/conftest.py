"""Shared fixtures for the project's own test suite."""
from __future__ import annotations

# The test processes start as the product's own processes do (autograder/startup.py): without that,
# importing nbformat compiles 38 grammars of a format checker nothing uses, ~1 s of every test worker.
from autograder import startup  # noqa: F401

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = "cnn_step_by_step"
SOURCE_NOTEBOOK = ROOT / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
RELEASE_DIR = ROOT / "assignments" / ASSIGNMENT
SOLUTION_DIR = ROOT / "solutions" / ASSIGNMENT


def tool_env(home: Path | None = None) -> dict:
    """Environment for running nbgrader / the CLI as a subprocess from the venv."""
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    if home is not None:
        env["HOME"] = str(home)
        env["JUPYTER_CONFIG_DIR"] = str(home / ".jupyter")
        env["JUPYTER_DATA_DIR"] = str(home / ".local" / "share" / "jupyter")
    return env


def run_cli(*args: str, cwd: Path = ROOT, timeout: float = 600) -> subprocess.CompletedProcess:
    """``python -m autograder ARGS`` in its own process, forked from a warm start (tests/warm_cli.py)."""
    from warm_cli import autograder
    return autograder(*args, cwd=cwd, env=tool_env(), timeout=timeout)


def copy_course(dest: Path) -> Path:
    """A throw-away copy of the course directory (no venv, no git) at ``dest``."""
    dest.mkdir(parents=True)
    for name in ("source", "assignments", "solutions"):
        shutil.copytree(ROOT / name, dest / name, ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    for name in ("grading.yml", "nbgrader_config.py"):
        shutil.copy2(ROOT / name, dest / name)
    return dest


@pytest.fixture(scope="session")
def released_course(request, tmp_path_factory) -> Path:
    """A course copy in which ``nbgrader generate_assignment`` has run for ASSIGNMENT (release/ and a new
    gradebook.db), made once per test run and shared by every xdist worker: generating a release and a
    gradebook (nbgrader shells out to alembic for a new database) costs seconds each time, and four
    course suites start from exactly this state.  Read-only: copy it with :func:`course_from_release`."""
    if not hasattr(request.config, "workerinput"):       # no xdist: this process is the only user
        return _release_course(tmp_path_factory.getbasetemp() / "released")
    shared = tmp_path_factory.getbasetemp().parent          # one folder per run, seen by every worker
    from filelock import FileLock
    with FileLock(str(shared / "released.lock")):
        return _release_course(shared / "released")


def _release_course(root: Path) -> Path:
    course = root / "course"
    if (root / "done").is_file():
        return course
    if root.exists():
        shutil.rmtree(root)
    home = root / "home"
    home.mkdir(parents=True)
    copy_course(course)
    from warm_cli import module
    proc = module("autograder.course.nbgrader_cli", "generate_assignment", ASSIGNMENT, "--force", cwd=course,
                  env=tool_env(home), timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (root / "done").touch()
    return course


def course_from_release(released: Path, dest: Path) -> Path:
    """A private copy of the :func:`released_course` at ``dest``."""
    shutil.copytree(released, dest)
    return dest


@pytest.fixture
def course_copy(tmp_path) -> Path:
    """A throw-away copy of the course directory (no venv, no git)."""
    return copy_course(tmp_path / "course")


@pytest.fixture(scope="session")
def reference():
    from autograder.engine.reference import load_reference
    return load_reference(SOURCE_NOTEBOOK)


# `make test` runs whole files on two workers (pytest-xdist --dist loadfile), handed out in collection
# order (the Makefile turns off xdist's own reordering).  A long file handed out last keeps one worker busy
# while the other idles, so the longest files go first (each file's test times summed over a whole
# `make test` run; files not listed, all of them short, come last and fill the end).
LONGEST_FIRST = ("test_demo.py", "test_cli.py", "test_transfer_corpus.py", "test_record_equivalence.py",
                 "test_runner_simulation.py", "test_salt.py", "test_attacks.py", "test_speculation.py",
                 "test_batch.py", "test_transfer_pretrained.py", "test_gradescope.py", "test_pool_process.py",
                 "test_hint_corpus.py", "test_transfer_shortcuts.py", "test_transfer_release.py",
                 "test_channel_fuzz.py", "test_parallel_isolation.py", "test_ci_github.py", "test_shards.py",
                 "test_pipeline_attacks.py", "test_cnn_inside_grading.py", "test_cnn_inside_release.py",
                 "test_nbgrader_cycle.py", "test_python_versions.py", "test_value_diagnosis.py", "test_suites.py",
                 "test_session.py", "test_reference_vs_torch.py", "test_corpus.py", "test_transfer_grading.py",
                 "test_release.py", "test_sandbox.py", "test_sanitize.py", "test_cnn_inside_reference.py")


def pytest_configure(config):
    """The test processes stamp the gradebooks they create as our nbgrader entry point does (not by starting
    `alembic`).  Not pytest-xdist's controller, which creates none: importing nbgrader there (~1 s) would
    hold back the start of the workers."""
    if config.getoption("numprocesses", None) and not hasattr(config, "workerinput"):
        return
    from autograder.course.nbgrader_cli import stamp_in_process
    stamp_in_process()


def pytest_collection_finish(session):
    """What collection imported (PyTorch, nbgrader, the engine, every test module) lives as long as the test
    process: left out of the garbage collector's passes, as the product's forked processes leave what they
    inherit (autograder/course/pool_process.py, heap_frozen_for_forks).  Objects the tests make are collected
    as usual."""
    import gc
    gc.freeze()


def pytest_collection_modifyitems(session, config, items):
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))   # stable: tests keep their order in a file
