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

:func:`run_forked` does the same for the nbgrader commands the demo, ``batch`` and ``release`` run
(``python -m autograder.course.nbgrader_cli``, about 1 s of imports each): a child forked from this
process runs the command and is made to be that new interpreter, in its folder and environment.
"""
from __future__ import annotations

import atexit
import contextlib
import gc
import locale
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import warnings
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


@contextlib.contextmanager
def heap_frozen_for_forks():
    """Around code that forks Python children that go on running (grading processes, feedback and recording
    workers, forked nbgrader commands).

    A forked child inherits the parent's heap: PyTorch, numpy, pytest and nbgrader, some 270,000 objects
    that live as long as it does.  The cyclic garbage collector would walk all of them in every full
    collection (0.2 s of a 1 s grade), and touching them copies the memory pages the fork shared.  Frozen
    (gc.freeze) while the children are forked, each child leaves them out of its collections; the parent takes
    its own back afterwards, unless its heap was frozen already (gc has no partial unfreeze: a forked process
    that forks again keeps frozen what it held then).  Only around these forks, never as a hook on every
    fork: a grading process starts a sandbox worker for each submission and must keep collecting its own
    garbage.
    """
    frozen_already = gc.get_freeze_count() > 0
    gc.freeze()
    try:
        yield
    finally:
        if not frozen_already:
            gc.unfreeze()


class ForkedProcess:
    """A child forked to run ``main()``, with the part of :class:`subprocess.Popen` the pool uses
    (``pid``, ``stdin``, ``stdout``, ``poll``, ``wait``)."""

    def __init__(self, main: Callable[[], None], stderr) -> None:
        task_read, task_write = os.pipe()
        answer_read, answer_write = os.pipe()
        startup.flush_output()                      # nothing buffered here may be written twice
        with heap_frozen_for_forks():
            pid = os.fork()
            if pid == 0:                            # the grading process; never returns
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
    def become_grading_process():
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
        _fresh_output()
    _end_as_interpreter(become_grading_process, main, exit_handlers=False)


def _end_as_interpreter(become: Callable[[], None], main: Callable[[], None], *, exit_handlers: bool) -> None:
    """In a forked child: ``become()``, then ``main()``, then end as the interpreter would (the status of a
    ``SystemExit``, or 1 after the traceback), by ``os._exit``; never returns.  ``exit_handlers``: run
    those registered since ``become()`` cleared the inherited ones."""
    status = 1
    try:
        become()
        main()
        status = 0
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if not isinstance(exc.code, (int, type(None))):
            print(exc.code, file=sys.stderr)
    except BaseException:  # noqa: BLE001 - what the interpreter would print, then the exit status it would give
        traceback.print_exc()
    finally:
        try:
            if exit_handlers:
                atexit._run_exitfuncs()
        finally:
            startup.flush_output()
            os._exit(status)


def run_forked(main: Callable[[], None], *, argv: list[str], cwd, env: dict[str, str]
               ) -> subprocess.CompletedProcess:
    """What ``subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)`` gives, for a
    command this process can run itself as ``main()``: forked, and made to be that interpreter.

    Only where :func:`can_fork` and where the new interpreter would start as this one did (the same
    ``PYTHON*`` variables, no ``-W`` options); the caller checks :func:`starts_alike` first.  The child
    changes to ``cwd`` (first on ``sys.path``, as ``python -m`` puts it) and ``env`` (temporary files
    follow its TMPDIR), gets the interpreter's warning filters and signal handlers, keeps only the
    inherited stdin, writes its output to two unnamed files read back here, closes every other file
    descriptor, runs only the exit handlers the command itself registers, and ends with ``os._exit``.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        startup.flush_output()                      # nothing buffered here may be written twice
        with heap_frozen_for_forks():
            pid = os.fork()
            if pid == 0:                            # the command; never returns
                _run_command(main, os.fspath(cwd), env, out.fileno(), err.fileno())
        try:
            _, status = os.waitpid(pid, 0)
        except BaseException:                       # interrupted here: the command goes too
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(argv, os.waitstatus_to_exitcode(status), _text(out.read()),
                                           _text(err.read()))


def starts_alike(env: dict[str, str]) -> bool:
    """A new interpreter with ``env`` would start as this one did (same ``PYTHON*`` settings, no ``-W``)."""
    def python_settings(environment):
        return {k: v for k, v in environment.items() if k.startswith("PYTHON")}
    return not sys.warnoptions and python_settings(env) == python_settings(os.environ)


def _run_command(main: Callable[[], None], cwd: str, env: dict[str, str], out: int, err: int) -> None:
    def become_command():
        os.dup2(out, 1)
        os.dup2(err, 2)
        os.closerange(3, _fd_limit())
        signal.signal(signal.SIGINT, signal.default_int_handler)
        for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD):
            signal.signal(signum, signal.SIG_DFL)
        os.chdir(cwd)
        sys.path.insert(0, cwd)
        os.environ.clear()
        os.environ.update(env)
        tempfile.tempdir = None                     # found again from the command's TMPDIR
        _interpreter_warning_filters()
        # This process's exit handlers are not the command's.  (Objects it made that clean up at exit
        # through weakref.finalize, a temporary folder say, stay this process's: never run in the child.)
        atexit._clear()
        _fresh_output()
    _end_as_interpreter(become_command, main, exit_handlers=True)


def _fresh_output() -> None:
    """New stdout and stderr objects on fds 1 and 2: nothing of this process's buffers goes with them."""
    sys.stdout = open(1, "w", encoding="utf-8", buffering=1, closefd=False)
    sys.stderr = open(2, "w", encoding="utf-8", errors="backslashreplace", buffering=1, closefd=False)


def _interpreter_warning_filters() -> None:
    """The filters a new interpreter starts with (Python's documented defaults), whatever this process set."""
    warnings.resetwarnings()
    for category in (ResourceWarning, ImportWarning, PendingDeprecationWarning, DeprecationWarning):
        warnings.simplefilter("ignore", category)
    warnings.filterwarnings("default", category=DeprecationWarning, module="__main__")


def _text(data: bytes) -> str:
    """Output as ``text=True`` reads it: the locale's encoding, universal newlines."""
    text = data.decode(locale.getpreferredencoding(False), errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n")


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
