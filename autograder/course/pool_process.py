"""How ``autograder batch`` starts a grading process: forked from the batch process where that is safe.

A grading process started as a new interpreter (``python -m autograder.course.grading_pool --worker``)
imports nbgrader, PyTorch, pytest and the engine before its first task: about 2.4 s of CPU, paid by every
process of every batch and again by each replacement after a time limit.  On Linux, a batch process
with no other thread imports all of that once (:func:`preload`) and forks its grading processes
(:class:`ForkedProcess`), which start with everything loaded.  Elsewhere, or when a thread is running
(forking it would copy locks that thread holds), a new interpreter is started as before.

A forked process is made to be what the new interpreter would be: its own session (the pool stops it
with ``killpg``), its task pipe on stdin, its answers on stdout, the batch log on stderr, no other file
descriptor of the batch (the other processes' pipes: a process's end of input is seen only when no one
else holds its pipe open), the default signal handlers, one BLAS/OpenMP thread (:data:`ONE_THREAD`),
and none of the batch's exit handlers: it ends with ``os._exit`` after its own clean-up, as
multiprocessing's forked children do, so that it never removes the batch's temporary folders.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import traceback
from typing import Callable, Iterable

from .. import startup

#: The environment of every grading process: parallelism comes from the -j processes, and the
#: hidden suites' small comparisons gain nothing from threads that would fight each other.
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def can_fork() -> bool:
    """True when a grading process may be forked from this one (Linux, and no other thread)."""
    return sys.platform.startswith("linux") and hasattr(os, "fork") and threading.active_count() == 1


def preload(assignments: Iterable) -> None:
    """Import here what every grading process imports: the engine, and the packages the hidden suites
    of ``assignments`` import (PyTorch...), so that the processes forked afterwards need not.

    The batch process computes nothing itself: it takes the grading processes' one thread per pool
    first, so that a BLAS loaded now starts no helper thread (a process is forked with none running)."""
    os.environ.update(ONE_THREAD)
    from ..engine import grader, salt, suites  # noqa: F401 - imported for the forked processes
    from ..sandbox import session  # noqa: F401
    for assignment in assignments:
        suites.preload(assignment)()


class ForkedProcess:
    """A child forked to run ``main()``, with the part of :class:`subprocess.Popen` the pool uses
    (``pid``, ``stdin``, ``stdout``, ``poll``, ``wait``)."""

    def __init__(self, main: Callable[[], None], stderr) -> None:
        task_read, task_write = os.pipe()
        answer_read, answer_write = os.pipe()
        for stream in (sys.stdout, sys.stderr):     # nothing buffered here may be written twice
            stream.flush()
        pid = os.fork()
        if pid == 0:                                # the grading process; never returns
            _run_child(main, task_read, answer_write, stderr.fileno())
        os.close(task_read)
        os.close(answer_write)
        self.pid = pid
        self.args = ["<forked grading process>"]
        self.returncode: int | None = None
        self.stdin = os.fdopen(task_write, "wb", buffering=0)
        self.stdout = os.fdopen(answer_read, "rb", buffering=0)

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:    # reaped elsewhere: it has ended, its status is lost
                self.returncode = -1
                return self.returncode
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        pause = 0.001
        while self.poll() is None:
            if deadline is not None and time.monotonic() >= deadline:
                raise subprocess.TimeoutExpired(self.args, timeout)
            time.sleep(pause)
            pause = min(pause * 2, 0.05)
        return self.returncode


def _run_child(main: Callable[[], None], task_read: int, answer_write: int, log: int) -> None:
    status = 1
    try:
        os.setsid()
        os.dup2(task_read, 0)
        os.dup2(answer_write, 1)
        os.dup2(log, 2)
        os.closerange(3, _fd_limit())
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD):
            signal.signal(signum, signal.SIG_DFL)
        os.environ.update(ONE_THREAD)
        _one_thread_in_loaded_libraries()
        sys.stdin = open(0, encoding="utf-8", closefd=False)
        sys.stdout = open(1, "w", encoding="utf-8", buffering=1, closefd=False)
        sys.stderr = open(2, "w", encoding="utf-8", errors="backslashreplace", buffering=1, closefd=False)
        main()
        status = 0
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # noqa: BLE001 - what the interpreter would print, then the exit status it would give
        traceback.print_exc()
    finally:
        startup.flush_output()
        os._exit(status)


def _fd_limit() -> int:
    try:
        return os.sysconf("SC_OPEN_MAX")
    except (ValueError, OSError):
        return 65536


def _one_thread_in_loaded_libraries() -> None:
    """The environment variables above are read when a library loads; these were loaded before the fork."""
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(limits=1)      # BLAS and OpenMP pools of every library loaded so far
    except Exception:  # noqa: BLE001 - without it the pools keep their size; the grades do not change
        pass
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(1)
