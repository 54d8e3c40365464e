"""The grading processes of ``autograder batch``: ``python -m autograder.course.grading_pool --worker``,
or the same forked from the batch process (:mod:`autograder.course.pool_process`).

Each process reads tasks (one JSON line each) on stdin and answers on stdout: ``started`` when a
task's time limit starts, ``staged`` with the digest of the sanitised submission, then the result
(or ``up_to_date``, or an error).  It collects the assignment's hidden suites once
(:mod:`autograder.engine.suites`) and keeps a spare sandbox worker ready for the next submission.
:func:`grade_in_parallel` runs ``-j`` of them under a wall-clock limit per task.
"""
from __future__ import annotations

from .. import startup  # (first: a worker process's settings before nbformat is imported)

import json
import os
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat

from . import nbgrader_bridge as bridge
from .pool_process import ONE_THREAD, ForkedProcess, can_fork, preload
from ..config import Assignment, get_assignment


def _worker_main() -> None:
    """``python -m autograder.course.grading_pool --worker``: grade the tasks read from stdin, one JSON line each."""
    channel = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)                       # anything printed by accident goes to the log, not the channel
    sys.stdout = sys.stderr

    def stop(signum, frame):            # the parent's time limit: unwind so the engine closes its sandbox
        raise KeyboardInterrupt("time limit")
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from ..engine.grader import GraderError     # imported once per worker, not per submission
    from ..sandbox.session import keep_spare_worker
    keep_spare_worker()                 # the next submission's sandbox starts while this one is graded
    try:
        _serve(channel, iter(sys.stdin), GraderError)
    except KeyboardInterrupt:          # stopped at the time limit: the engine has closed its sandbox
        print("autograder batch worker: stopped at the time limit", file=sys.stderr)
    finally:
        keep_spare_worker(False)        # here, not at exit: a forked process runs no exit handler


def _serve(channel, lines, GraderError) -> None:
    """Grade every task; the hidden suites are collected once per assignment, not per submission."""
    from ..engine.salt import resolve_salt
    from ..engine.suites import SuiteError, with_suites
    line = next(lines, None)
    while line is not None:
        task = json.loads(line)
        try:
            assignment = get_assignment(task["assignment"], task["config"])
        except Exception as exc:  # a broken grading.yml: this task fails, the worker goes on
            _reply(channel, task, {"error": f"{type(exc).__name__}: {exc}"})
            line = next(lines, None)
            continue
        try:
            line = with_suites(assignment, lambda suites: _serve_assignment(channel, task, lines, assignment,
                                                                            suites, GraderError),
                               salt=resolve_salt())
        except SuiteError as exc:
            _reply(channel, task, {"error": str(exc)})
            line = next(lines, None)


def _serve_assignment(channel, task: dict, lines, assignment: Assignment, suites, GraderError) -> str | None:
    """Grade ``task`` and the tasks after it of the same assignment; return the first line of another one."""
    from ..sandbox.session import keep_spare_worker
    key = (task["config"], task["assignment"])
    while True:
        channel.write(json.dumps({"id": task["id"], "started": True}) + "\n")   # the time limit starts now
        if task.get("last"):            # nothing follows: the spare started for it is its last
            keep_spare_worker(False, keep_started=True)
        try:
            reply = _stage_and_grade(channel, task, assignment, suites)
        except GraderError as exc:
            reply = {"error": str(exc)}
        except Exception as exc:  # an engine bug must not take the batch down
            reply = {"error": f"{type(exc).__name__}: {exc}"}
        _reply(channel, task, reply)
        line = next(lines, None)
        if line is None:
            return None
        task = json.loads(line)
        if (task["config"], task["assignment"]) != key:
            return line


def _stage_and_grade(channel, task: dict, assignment: Assignment, suites) -> dict:
    """Grade ``task["notebook"]``; with ``task["submitted"]``, first sanitise that submission into it
    exactly as ``nbgrader autograde`` will, and grade only if the stored result is not current.

    Done here, in the parallel workers, rather than in the batch process: nbgrader's sanitising
    costs about a quarter of a second per notebook.  The digest is sent as soon as it is known, so
    that even a submission stopped at the time limit is stored under it (and nbgrader reuses that
    zero instead of grading it again without a limit).
    """
    staged = Path(task["notebook"])
    if "submitted" in task:
        known = _stage(task, assignment, staged)      # what the batch process learns before the grade
        _reply(channel, task, {"staged": True, **known})
        stored = bridge.load_result(Path(task["result_path"]))
        if not task["force"] and stored is not None and stored.get("digest") == known["digest"]:
            return {"up_to_date": True}
    return {"result": bridge.grade_node(None, assignment, lang=task["lang"], level=task.get("level"),
                                        notes=task["notes"], path=staged, suites=suites)}


_COURSES: dict[str, tuple] = {}     # course root -> (nbgrader config, course directory), per worker


def _stage(task: dict, assignment: Assignment, staged: Path) -> dict:
    """Write the sanitised submission to ``staged``; its engine digest, and a warning if nbgrader refused it."""
    root = str(Path(task["config"]).resolve().parent)
    if root not in _COURSES:
        config = bridge.load_course_config(root)
        _COURSES[root] = (config, bridge.course_directory(root, config))
    config, coursedir = _COURSES[root]
    known: dict = {}
    try:
        nb = bridge.sanitized_notebook(task["submitted"], coursedir, config, task["id"], assignment.name)
    except Exception as exc:  # nbgrader would fail on it too; grade what the student wrote
        known["warning"] = (f"nbgrader cannot sanitise the notebook ({type(exc).__name__}); "
                            "grading it as submitted")
        nb = nbformat.read(task["submitted"], as_version=4)
    staged.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, staged)
    known["digest"] = bridge.engine_digest(nb, assignment, task["lang"], task["policy"])
    return known


def _preload(tasks: list[dict]) -> None:
    """Import the engine and what the tasks' hidden suites import, once, before the workers are forked."""
    if not can_fork():
        return
    assignments = {}
    for task in tasks:
        key = (task["config"], task["assignment"])
        if key not in assignments:
            try:
                assignments[key] = get_assignment(task["assignment"], task["config"])
            except Exception:  # noqa: BLE001 - a broken grading.yml: the worker reports it for its task
                pass
    preload(assignments.values())


def _reply(channel, task: dict, reply: dict) -> None:
    channel.write(json.dumps({"id": task["id"], **reply}, ensure_ascii=False) + "\n")


class _Worker:
    """One grading process: JSON lines in on stdin, JSON lines out on stdout."""

    #: A worker that has not even started its task after this long (stuck importing) is replaced.
    START_LIMIT_S = 300.0

    def __init__(self, log, fork: bool):
        if fork:
            self.proc = ForkedProcess(_worker_main, stderr=log)
        else:
            self.proc = subprocess.Popen([sys.executable, "-m", "autograder.course.grading_pool", "--worker"],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
                                         start_new_session=True, bufsize=0, env=dict(os.environ, **ONE_THREAD))
        self.task: dict | None = None
        self.progress: dict = {}
        self.sent = self.started = 0.0
        self.buffer = b""

    def send(self, task: dict, last: bool = False) -> None:
        """Queue ``task``; its clock starts when the worker says it started (not while it imports).
        ``last``: no task is left to hand out after it (the worker then starts no spare sandbox)."""
        self.task, self.sent, self.started = task, time.monotonic(), float("inf")
        self.progress: dict = {}
        try:
            self.proc.stdin.write((json.dumps({**task, "last": last}, ensure_ascii=False) + "\n").encode("utf-8"))
        except OSError:
            pass    # the worker is gone: its closed stdout reports it

    def read(self) -> list[dict] | None:
        """The complete messages available now; None when the worker has gone."""
        try:
            data = os.read(self.proc.stdout.fileno(), 1 << 16)
        except OSError:
            data = b""
        if not data:
            return None
        self.buffer += data
        *lines, self.buffer = self.buffer.split(b"\n")
        return [json.loads(line) for line in lines if line.strip()]

    def elapsed(self, now: float) -> float:
        return max(0.0, now - self.started) if self.started != float("inf") else 0.0

    def overdue(self, now: float, timeout: float) -> bool:
        if self.task is None:
            return False
        if self.started == float("inf"):
            return now - self.sent > self.START_LIMIT_S + timeout
        return now - self.started > timeout

    def stop(self, grace: float = 5.0) -> None:
        """Ask the worker to unwind (its engine then kills the sandbox), then kill it."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(grace)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass

    def close(self) -> None:
        """No more tasks: the worker exits when its stdin closes (reaped by :meth:`reap`)."""
        try:
            self.proc.stdin.close()
        except OSError:
            pass

    def reap(self, wait: float = 10.0) -> None:
        try:
            self.proc.wait(wait)
        except subprocess.TimeoutExpired:
            self.stop()
        if self.proc.stdout:
            self.proc.stdout.close()


def grade_in_parallel(tasks: list[dict], jobs: int, timeout: float, log_path: Path, on_done, *,
                      fork: bool = True) -> None:
    """Grade ``tasks`` in up to ``jobs`` worker processes; ``on_done(task, reply, seconds)`` per task.

    A task still running ``timeout`` seconds after it started gets ``{"timeout": True}``;
    its worker is stopped and a fresh one takes the next task.  The workers are forked from this
    process where that is safe (:mod:`autograder.course.pool_process`; ``fork=False``: never).
    """
    pending = list(tasks)
    if fork:
        _preload(tasks)
    workers: list[_Worker] = []
    selector = selectors.DefaultSelector()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        def hand_out(worker: _Worker) -> None:
            worker.send(pending.pop(0), last=not pending)

        def spawn() -> None:
            worker = _Worker(log, fork=fork and can_fork())
            workers.append(worker)
            selector.register(worker.proc.stdout, selectors.EVENT_READ, worker)
            hand_out(worker)

        closing: list[_Worker] = []

        def retire(worker: _Worker, kill: bool) -> None:
            selector.unregister(worker.proc.stdout)
            workers.remove(worker)
            if kill:
                worker.stop()
            else:
                worker.close()
                closing.append(worker)

        def finish(worker: _Worker, reply: dict) -> None:
            task, seconds = worker.task, worker.elapsed(time.monotonic())
            worker.task = None
            on_done(task, {**worker.progress, **reply}, seconds)

        try:
            for _ in range(min(jobs, len(pending))):
                spawn()
            while workers:
                for key, _ in selector.select(timeout=0.5):
                    worker: _Worker = key.data
                    messages = worker.read()
                    if messages is None:    # the worker died (killed from outside, interpreter crash)
                        if worker.task:
                            finish(worker, {"error": "the grading process died"})
                        retire(worker, kill=True)
                        if pending:
                            spawn()
                        continue
                    for message in messages:
                        if message.get("started"):
                            worker.started = time.monotonic()
                        elif message.get("staged"):     # what is known before the grade (the digest)
                            worker.progress = {k: v for k, v in message.items() if k not in ("id", "staged")}
                        elif worker.task is not None:
                            finish(worker, message)
                    if worker.task is None:
                        if pending:
                            hand_out(worker)
                        else:
                            retire(worker, kill=False)
                now = time.monotonic()
                for worker in [w for w in workers if w.overdue(now, timeout)]:
                    finish(worker, {"timeout": True})
                    retire(worker, kill=True)
                    if pending:
                        spawn()
        finally:
            for worker in list(workers):
                retire(worker, kill=True)
            for worker in closing:
                worker.reap()
            selector.close()


if __name__ == "__main__":
    if sys.argv[1:] == ["--worker"]:
        _worker_main()
        startup.leave(0)
    else:
        sys.exit("usage: autograder batch ... (this module's entry point is for its grading processes)")
