"""Grading speed at class scale: ``autograder batch`` against stock ``nbgrader autograde``.

    python benchmarks/grading.py [--n 10|100|1000] [--assignment cnn_step_by_step] [--jobs 2]
                                 [--keep DIR] [--no-nbgrader]

Builds a class of ``--n`` submissions from the project's own corpus (every tenth the untouched
release, every tenth the reference solution, the rest the reference with one to three wrong
variants of different questions, drawn with a fixed seed), then, in one run on the same notebooks:

1. ``autograder batch A --from inbox -j JOBS`` (sandboxed engine, hidden suites, nbgrader
   recording and feedback pages), in a fresh copy of the course;
2. stock ``nbgrader autograde A`` in another fresh copy whose ``nbgrader_config.py`` uses
   nbgrader's default autograde preprocessors: each notebook runs in a Jupyter kernel, the visible
   checks are the tests, no sandbox (what an instructor would otherwise run).

Prints a table: submissions, wall time, per submission, peak memory of the whole process tree
(sum of resident sizes, so shared pages count more than once: an upper bound), ratio to nbgrader.
No assertion anywhere: the figures go into the README.
"""
from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from autograder.course.demo import copy_course  # noqa: E402
from autograder.course.submissions import build_submission, read_variant  # noqa: E402

STOCK_CONFIG = '''
c = get_config()  # noqa: F821
c.CourseDirectory.root = "."
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "assignments"
c.CourseDirectory.course_id = "cnn-course"
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".*", "hidden_tests"]
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\\nraise NotImplementedError()"}
'''


class PeakMemory:
    """Polls the resident size of a process and all its descendants (sandbox workers included)."""

    def __init__(self, pid: int, every_s: float = 0.1):
        self.pid, self.every_s, self.peak = pid, every_s, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                root = psutil.Process(self.pid)
                tree = [root] + root.children(recursive=True)
            except psutil.Error:
                break
            total = 0
            for proc in tree:
                try:
                    total += proc.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            self._stop.wait(self.every_s)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def timed(cmd: list[str], cwd: Path, env: dict) -> tuple[float, int, subprocess.CompletedProcess]:
    started = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    memory = PeakMemory(proc.pid)
    out, _ = proc.communicate()
    seconds = time.monotonic() - started
    return seconds, memory.stop(), subprocess.CompletedProcess(cmd, proc.returncode, out, "")


def build_class(assignment: str, n: int, inbox: Path, seed: int = 2026) -> dict[str, int]:
    """``n`` notebooks in ``inbox``; returns how many of each kind."""
    release = REPO / "assignments" / assignment / f"{assignment}.ipynb"
    solution = REPO / "solutions" / assignment / f"{assignment}.ipynb"
    wrong = sorted((REPO / "tests" / "corpus" / assignment / "wrong").glob("*.py"))
    by_question: dict[str, list[Path]] = {}
    for path in wrong:
        meta, _ = read_variant(path)
        by_question.setdefault(meta["question"], []).append(path)
    rng = random.Random(seed)
    inbox.mkdir(parents=True, exist_ok=True)
    kinds = {"untouched release": 0, "reference": 0, "with mistakes": 0}
    for i in range(n):
        target = inbox / f"student{i:04d}.ipynb"
        if i % 10 == 0:
            shutil.copy2(release, target)
            kinds["untouched release"] += 1
        elif i % 10 == 1:
            shutil.copy2(solution, target)
            kinds["reference"] += 1
        else:
            questions = rng.sample(sorted(by_question), k=rng.randint(1, 3))
            build_submission(solution, [rng.choice(by_question[q]) for q in questions], target)
            kinds["with mistakes"] += 1
    return kinds


def tool_env(home: Path) -> dict:
    env = dict(os.environ, HOME=str(home), JUPYTER_CONFIG_DIR=str(home / ".jupyter"),
               JUPYTER_DATA_DIR=str(home / ".local/share/jupyter"), IPYTHONDIR=str(home / ".ipython"))
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return env


def run_ours(work: Path, assignment: str, inbox: Path, jobs: int) -> tuple[float, int, int]:
    course = copy_course(REPO, work / "ours")
    shutil.copytree(REPO / "assignments" / assignment, course / "assignments" / assignment)
    env = tool_env(work / "home-ours")
    nbgrader = [sys.executable, "-m", "nbgrader"]
    subprocess.run(nbgrader + ["db", "assignment", "add", assignment], cwd=course, env=env, check=True,
                   capture_output=True)
    subprocess.run(nbgrader + ["generate_assignment", assignment, "--force"], cwd=course, env=env, check=True,
                   capture_output=True)
    seconds, peak, proc = timed([sys.executable, "-m", "autograder", "batch", assignment, "--from", str(inbox),
                                 "-j", str(jobs)], course, env)
    if proc.returncode != 0:
        print(proc.stdout[-3000:], file=sys.stderr)
        raise SystemExit(f"autograder batch failed (exit {proc.returncode})")
    pages = len(list((course / "feedback").glob(f"*/{assignment}/*.html")))
    return seconds, peak, pages, phases(proc.stdout, seconds)


def phases(batch_output: str, wall: float) -> str:
    """Where the batch's wall time went, from the lines it prints (recording, feedback pages)."""
    recorded = re.search(r"recorded \d+ submission\(s\) in ([\d.]+) s", batch_output)
    feedback = re.search(r"feedback pages in ([\d.]+) s", batch_output)
    record_s = float(recorded.group(1)) if recorded else 0.0
    feedback_s = float(feedback.group(1)) if feedback else 0.0
    return (f"grading (start, staging, engine) {wall - record_s - feedback_s:.1f} s, recording {record_s:.1f} s, "
            f"feedback pages {feedback_s:.1f} s")


def run_stock(work: Path, assignment: str, inbox: Path) -> tuple[float, int, int]:
    course = work / "stock"
    shutil.copytree(REPO / "source" / assignment, course / "source" / assignment,
                    ignore=shutil.ignore_patterns("hidden_tests", "__pycache__"))
    (course / "nbgrader_config.py").write_text(STOCK_CONFIG, encoding="utf-8")
    env = tool_env(work / "home-stock")
    nbgrader = [sys.executable, "-m", "nbgrader"]
    subprocess.run(nbgrader + ["generate_assignment", assignment, "--force"], cwd=course, env=env, check=True,
                   capture_output=True)
    for notebook in sorted(inbox.glob("*.ipynb")):
        folder = course / "submitted" / notebook.stem / assignment
        folder.mkdir(parents=True)
        shutil.copy2(notebook, folder / f"{assignment}.ipynb")
        # shipped files next to the notebook, as a student's submission folder has them
        for extra in (REPO / "assignments" / assignment).iterdir():
            if extra.suffix != ".ipynb" and extra.is_file():
                shutil.copy2(extra, folder / extra.name)
    seconds, peak, proc = timed(nbgrader + ["autograde", assignment], course, env)
    if proc.returncode != 0:
        print(proc.stdout[-3000:], file=sys.stderr)
    graded = len(list((course / "autograded").glob(f"*/{assignment}/{assignment}.ipynb")))
    return seconds, peak, graded, ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100, help="number of submissions (default 100)")
    parser.add_argument("--assignment", default="cnn_step_by_step")
    parser.add_argument("--jobs", type=int, default=2, help="autograder batch -j (default 2)")
    parser.add_argument("--keep", help="work in this folder and keep it")
    parser.add_argument("--no-nbgrader", action="store_true", help="skip the stock nbgrader run")
    args = parser.parse_args(argv)
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="autograder-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        kinds = build_class(args.assignment, args.n, work / "inbox")
        print(f"{args.n} submissions of {args.assignment}: " + ", ".join(f"{v} {k}" for k, v in kinds.items()))
        rows = []
        ours = run_ours(work, args.assignment, work / "inbox", args.jobs)
        rows.append((f"autograder batch -j {args.jobs} (sandbox, hidden suites, nbgrader recording, feedback)",)
                    + ours)
        if not args.no_nbgrader:
            rows.append(("stock nbgrader autograde (in-kernel visible checks, no sandbox)",)
                        + run_stock(work, args.assignment, work / "inbox"))
        stock_s = rows[-1][1] if len(rows) > 1 else None
        print(f"\n| run | submissions | wall s | per submission s | peak memory of the tree MB | "
              f"output | speed-up vs stock nbgrader |\n|---|---|---|---|---|---|---|")
        for name, seconds, peak, produced, _ in rows:
            ratio = f"{stock_s / seconds:.2f}x" if stock_s else "-"
            print(f"| {name} | {args.n} | {seconds:.1f} | {seconds / args.n:.2f} | {peak / 2**20:.0f} | "
                  f"{produced} | {ratio} |")
        print(f"\nautograder batch: {ours[3]}")
        print(f"machine: {os.cpu_count()} cores, load average before the run "
              f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}; python {sys.version.split()[0]}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
