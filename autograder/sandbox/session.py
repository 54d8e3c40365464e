"""Grader-side session: run a notebook's cells in a sandboxed worker and call its functions.

The trusted process never executes student code and never unpickles anything
the worker sends: every message is size-capped (see ``Limits.max_message_mb``),
parsed as JSON, checked against the protocol and decoded with
:mod:`autograder.sandbox.inside.codec`.  Any deviation kills the worker and raises a
:class:`StudentError` subclass; the next call transparently starts a fresh
worker (re-running the cells), so one hanging function costs only its own tests.

Example::

    with WorkerSession(cells, limits=Limits(call_timeout_s=5)) as s:
        report = s.start()
        res = s.call("conv_forward", A, W, b, hp, helpers={"zero_pad": ref.zero_pad})
"""
from __future__ import annotations

import atexit
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .inside import codec
from . import speculation, torch_archive  # noqa: F401  (torch_archive installs the codec's archive guard)
from .facts import Facts, parse_facts
from .launch import (LEVELS, ChannelClosed, ChannelOversize, ChannelTimeout, Limits,
                      WorkerProcess, probe_keeping)

__all__ = ["Limits", "WorkerSession", "probed_level", "LoadReport", "CellStatus", "CellError", "CallResult",
           "StudentError", "StudentException", "StudentMissing", "StudentTimeout",
           "StudentCrash", "StudentProtocolError", "Unsupported"]

Unsupported = codec.Unsupported
MAX_SKIPPED_CELLS = 2   # cells that hang/crash at load are skipped on retry, up to this many
MAX_LOAD_ATTEMPTS = 4
_AGAIN = object()       # a speculative call whose outcome does not stand


class StudentError(Exception):
    """Base of every failure attributable to the submission. ``message`` is student-safe."""
    kind = "error"

    def __init__(self, message: str):
        self.message = str(message)[:2000]
        super().__init__(self.message)


class StudentException(StudentError):
    """Student code raised; ``type_name`` is e.g. ``'NotImplementedError'``."""
    kind = "exception"

    def __init__(self, type_name: str, message: str, traceback: str = "", line: int | None = None,
                 facts: Facts | None = None):
        self.type_name, self.traceback, self.line = type_name, traceback, line
        self.facts = facts   # where it raised (validated), for autograder.feedback.explain
        super().__init__(message)

    def __str__(self):
        return f"{self.type_name}: {self.message}"


class StudentMissing(StudentError):
    """The requested function is not defined in the notebook."""
    kind = "missing"


class StudentTimeout(StudentError):
    """The call exceeded its time limit; the worker was killed."""
    kind = "timeout"


class StudentCrash(StudentError):
    """The worker died (signal, os._exit, memory limit...); ``message`` says how."""
    kind = "crash"


class StudentProtocolError(StudentError):
    """The worker sent garbage, an oversize or an invalid message."""
    kind = "protocol"


class _Invalid(codec.CodecError):
    """A well-formed message that breaks the protocol."""


@dataclass
class CellError:
    type_name: str
    message: str
    line: int | None = None
    traceback: str = ""
    facts: Facts | None = None    # where the student's own code raised (validated)


@dataclass
class CellStatus:
    index: int
    status: str                   # "ok" | "error" | "timeout" | "crash" | "skipped"
    error: CellError | None = None
    output: str = ""              # first ~1 KB printed by the cell


@dataclass
class LoadReport:
    cells: list[CellStatus]
    names: list[str]              # callables defined by the notebook
    level: str = ""
    duration_s: float = 0.0

    @property
    def failed(self) -> list[CellStatus]:
        return [c for c in self.cells if c.status != "ok"]


@dataclass
class CallResult:
    value: Any
    args_after: list | None
    stdout: str
    duration_s: float             # wall time measured by the grader, callbacks included
    helper_calls: dict[str, int] = field(default_factory=dict)


def _str(v, cap: int, what: str) -> str:
    if type(v) is not str:
        raise _Invalid(f"{what} is not a string")
    return v[:cap]


def _opt_int(v, what: str) -> int | None:
    if v is not None and type(v) is not int:
        raise _Invalid(f"{what} is not an int")
    return v


def _cell_error(d) -> CellError:
    if type(d) is not dict:
        raise _Invalid("cell error is not an object")
    return CellError(_str(d.get("type"), 100, "type"), _str(d.get("message"), 1000, "message"),
                     _opt_int(d.get("line"), "line"), _str(d.get("traceback", ""), 4000, "traceback"),
                     parse_facts(d.get("facts")))


# -- a spare worker started ahead (batch grading processes only) ------------------------
#
# Starting a worker (bubblewrap, the interpreter, numpy) takes about 0.15 s, spent by every
# submission before its first cell runs.  A process that grades many submissions one after the
# other can have the next submission's worker start while the current one is graded.  The spare
# is a fresh worker like any other: no cell has run in it, it holds its own uid slot and temp
# folder, and it serves exactly one submission.
_spare: tuple[tuple, WorkerProcess] | None = None
_keep_spare = False


def keep_spare_worker(enabled: bool = True, *, keep_started: bool = False) -> None:
    """Start each next worker ahead of time (``autograder batch`` grading processes).  Turning it off
    kills the spare already started, unless ``keep_started``: a grading process's last submission uses the
    spare started for it, and starts none that nothing would use."""
    global _keep_spare
    _keep_spare = enabled
    if not enabled and not keep_started:
        _drop_spare()


def _drop_spare() -> None:
    global _spare
    if _spare is not None:
        _spare[1].kill()
        _spare = None


def _settings(level: str, limits: Limits, shipped_dir, language: str | None) -> tuple:
    """What a worker is started with (:class:`WorkerProcess`'s arguments), and what a spare must match."""
    return (level, limits, Path(shipped_dir) if shipped_dir else None, language)


def _worker_for(settings: tuple) -> WorkerProcess:
    """The spare if it was started with these settings and is still alive, else a new worker."""
    global _spare
    if _spare is not None:
        spare_settings, spare = _spare
        _spare = None
        if spare_settings == settings and spare.proc.poll() is None:
            return spare
        spare.kill()
    return WorkerProcess(*settings)


def _start_spare(settings: tuple) -> None:
    global _spare
    if _keep_spare and _spare is None:
        try:
            _spare = (settings, WorkerProcess(*settings))
        except Exception:  # no slot free, no process: the next submission starts its own worker
            _spare = None


atexit.register(_drop_spare)


def _forget_inherited_spare() -> None:
    # A forked child (a grading process of `autograder batch`) must neither use nor kill its parent's spare.
    global _spare
    _spare = None


os.register_at_fork(after_in_child=_forget_inherited_spare)


def probed_level(limits: Limits, shipped_dir: Path | None = None, language: str | None = None) -> str:
    """The strongest sandbox level that works here (:func:`launch.probe`).  The first time a process probes,
    the worker that shows a level works is started with these settings and kept as the spare: the first
    submission graded with them uses it (no cell has run in it), and a grading command starts one worker fewer."""
    global _spare
    level, worker = probe_keeping(limits, Path(shipped_dir) if shipped_dir else None, language)
    if worker is not None:
        _drop_spare()
        _spare = (_settings(level, limits, shipped_dir, language), worker)
    return level


class WorkerSession:
    """One submission's worker. Not thread-safe: use one session per thread."""

    speculate = True    # calls with helpers try the student's own helpers first (see call)

    def __init__(self, cells: list[str], *, limits: Limits | None = None,
                 shipped_dir: Path | None = None, level: str | None = None, language: str | None = None):
        self.cells = [str(c) for c in cells]
        self.language = language                # report language, passed on to the worker's environment
        self.limits = limits or Limits()
        self.shipped_dir = Path(shipped_dir) if shipped_dir else None
        if level is not None and level not in LEVELS:  # never silently downgrade
            raise ValueError(f"unknown sandbox level {level!r}; expected one of {LEVELS}")
        self.level: str = level or probed_level(self.limits, self.shipped_dir, language)
        self.load_report: LoadReport | None = None
        self.restarts = 0                       # workers killed after timeouts/crashes
        self._wp: WorkerProcess | None = None
        self._skip: dict[int, CellStatus] = {}  # cells never to run again
        self._seq = 0
        self._t_send = 0.0
        self._closed = False
        self._distrusted: set[str] = set()      # helpers whose own answers did not stand (see call)

    # ------------------------------------------------------------ lifecycle
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):  # a forgotten session must not leave a worker running
        try:
            self.close()
        except Exception:
            pass

    def close(self) -> None:
        """Kill the worker's whole process tree and remove its temp dir."""
        self._closed = True
        self._discard(count=False)

    def _discard(self, count: bool = True) -> None:
        if self._wp is not None:
            self._wp.kill()
            self._wp = None
            self.restarts += count

    def output_tail(self) -> str:
        """Last ``output_kb`` KiB the worker wrote to its OS-level stdout/stderr."""
        return self._wp.output_tail() if self._wp else ""

    def start(self) -> LoadReport:
        """Start the worker and run all cells (each attempt bounded by ``load_timeout_s``)."""
        if self._closed:
            raise RuntimeError("session is closed")
        if self._wp is None:
            self._load()
        return self.load_report

    def _load(self) -> None:
        t0 = time.monotonic()
        settings = _settings(self.level, self.limits, self.shipped_dir, self.language)
        for _attempt in range(MAX_LOAD_ATTEMPTS):
            wp = _worker_for(settings)
            done: dict[int, CellStatus] = {}
            cells = ["" if i in self._skip else src for i, src in enumerate(self.cells)]
            deadline = time.monotonic() + self.limits.load_timeout_s
            try:
                wp.send(codec.pack({"op": "load", "cells": cells, "forbidden_input": True}), deadline)
                names = self._read_load(wp, done, deadline)
            except (ChannelTimeout, ChannelClosed) as exc:
                wp.kill()
                self._skip_culprit(done, exc)
                continue
            except (ChannelOversize, codec.CodecError) as exc:
                wp.kill()
                raise StudentProtocolError(f"invalid message while loading the notebook: {exc}") from None
            except BaseException:
                wp.kill()
                raise
            self._wp = wp
            cells_out = [self._skip.get(i) or done[i] for i in range(len(self.cells))]
            self.load_report = LoadReport(cells_out, names, self.level, time.monotonic() - t0)
            _start_spare(settings)     # after the load: it would only slow this submission's cells down
            return
        raise StudentCrash("the notebook could not be loaded (cells keep hanging or crashing)")

    def _read_load(self, wp: WorkerProcess, done: dict, deadline: float) -> list[str]:
        while True:
            msg = codec.unpack_body(wp.recv(deadline))
            if msg["op"] == "cell":
                i = msg.get("index")
                if type(i) is not int or not 0 <= i < len(self.cells) or i in done:
                    raise _Invalid("bad cell index")
                status = msg.get("status")
                if status not in ("ok", "error"):
                    raise _Invalid("bad cell status")
                err = None if status == "ok" else _cell_error(msg.get("error"))
                done[i] = CellStatus(i, status, err, _str(msg.get("output", ""), 2000, "output"))
            elif msg["op"] == "loaded":
                names = msg.get("names")
                if type(names) is not list or len(done) != len(self.cells):
                    raise _Invalid("bad loaded message")
                return [_str(n, 200, "name") for n in names[:10000]]
            else:
                raise _Invalid(f"unexpected op {msg['op'][:30]!r} while loading")

    def _skip_culprit(self, done: dict, exc: Exception) -> None:
        """The first cell without a status hung or killed the worker: never run it again."""
        bad = next((i for i in range(len(self.cells)) if i not in done and i not in self._skip), None)
        if bad is None:
            raise StudentCrash(f"worker failed after running all cells: {exc}")
        timeout = isinstance(exc, ChannelTimeout)
        msg = (f"cell did not finish within {self.limits.load_timeout_s:g} s" if timeout
               else f"the worker {exc} while running this cell")
        err = CellError("Timeout" if timeout else "Crash", msg)
        last = len(self._skip) >= MAX_SKIPPED_CELLS
        self._skip[bad] = CellStatus(bad, "timeout" if timeout else "crash", err)
        if last:  # give up on the rest of the notebook rather than retry forever
            for i in range(bad + 1, len(self.cells)):
                self._skip.setdefault(i, CellStatus(i, "skipped", CellError(
                    "Skipped", "not run: earlier cells kept hanging or crashing")))

    # ----------------------------------------------------------------- calls
    def ping(self, timeout: float = 5.0) -> dict:
        """Round trip to the worker (starting it if needed); returns the pong message."""
        def handle(m, _deadline):
            if m["op"] != "pong":
                raise _Invalid(f"unexpected op {m['op'][:30]!r}")
            return m
        return self._exchange({"op": "ping"}, timeout, handle)

    def call(self, func: str, *args, helpers: dict[str, Callable] | None = None,
             return_args: bool = False, timeout: float | None = None, **kwargs) -> CallResult:
        """Call ``func(*args, **kwargs)`` in the worker and return its decoded result.

        ``helpers`` maps names to trusted callables run here when the student's
        code calls them.  Raises a :class:`StudentError` subclass on failure.
        A call with helpers is tried speculatively first (:mod:`autograder.sandbox.speculation`):
        its outcome stands only if the student's helpers answered every call as these do.
        """
        helpers = dict(helpers or {})
        timeout = self.limits.call_timeout_s if timeout is None else timeout
        if helpers and self.speculate and not self._distrusted & set(helpers):
            try:
                outcome = self._call(func, args, kwargs, helpers, return_args, timeout, speculate=True)
            except StudentError:   # hard time-out, crash, broken protocol: perhaps the student's helper's doing
                outcome = _AGAIN
            if isinstance(outcome, StudentError):
                raise outcome
            if outcome is not _AGAIN:
                return outcome
            # Not asked again for this submission: a wrong helper would only waste a run per call,
            # a hanging one a time limit per call.
            self._distrusted |= set(helpers)
        return self._call(func, args, kwargs, helpers, return_args, timeout, speculate=False)

    def _call(self, func: str, args, kwargs, helpers: dict, return_args: bool, timeout: float, *,
              speculate: bool):
        """One call; when speculating, a StudentError is returned (not raised) if its outcome stands,
        and _AGAIN if it does not."""
        self._seq += 1
        seq = self._seq
        msg = {"op": "call", "id": seq, "func": str(func), "return_args": bool(return_args),
               "args": codec.encode(list(args), strict=True),
               "kwargs": codec.encode(kwargs, strict=True), "helpers": sorted(helpers),
               "speculate": speculation.MAX_LOG if speculate else 0}
        # The worker stops the code itself a little earlier, to say where it was (see worker._Alarm).
        msg["soft_timeout_s"] = max(0.05, timeout - min(1.0, 0.2 * timeout))
        counts: dict[str, int] = {}

        def stands(m, deadline: float, timed_out: bool = False) -> bool:
            report = m.get("speculated")
            if timed_out and speculation.helper_seconds(report) > speculation.HELPER_SHARE_OF_TIMEOUT * timeout:
                return False
            return speculation.answers_match(report, helpers, counts, deadline)

        def handle(m, deadline):
            if m.get("id") != seq:  # e.g. a message forged by student code earlier
                raise _Invalid("reply to another request")
            op = m["op"]
            if op == "callback":
                self._answer(m, helpers, counts, deadline)
                return None
            if op == "result":
                if speculate and not stands(m, deadline):
                    return _AGAIN
                return self._result(m, return_args, time.monotonic() - self._t_send, counts)
            if op == "error":
                error = self._student_error(m, str(func))
                timed_out = isinstance(error, StudentTimeout)
                if timed_out:   # as after a hard time-out: no process it started survives
                    self._discard()
                if speculate:   # a function that is not there is not there, whoever answers its helpers
                    return error if isinstance(error, StudentMissing) or stands(m, deadline, timed_out) else _AGAIN
                raise error
            raise _Invalid(f"unexpected op {op[:30]!r}")
        return self._exchange(msg, timeout, handle)

    def _exchange(self, msg: dict, timeout: float, handle):
        """Send ``msg``, feed replies to ``handle`` until it returns non-None."""
        self.start()  # after a kill: a fresh worker, cells re-run (outside the call's deadline)
        wp = self._wp
        data = codec.pack(msg)
        if len(data) - 4 > wp.max_bytes:  # the worker would refuse it: a grader-side problem
            raise ValueError(f"call arguments exceed {self.limits.max_message_mb} MiB")
        self._t_send = time.monotonic()
        deadline = self._t_send + timeout
        try:
            wp.send(data, deadline)
            while True:
                out = handle(codec.unpack_body(wp.recv(deadline)), deadline)
                if out is not None:
                    return out
        except ChannelTimeout:
            self._discard()
            raise StudentTimeout(f"did not finish within {timeout:g} s") from None
        except ChannelClosed as exc:
            self._discard()
            raise StudentCrash(f"the worker {exc}") from None
        except (ChannelOversize, codec.CodecError) as exc:
            self._discard()
            raise StudentProtocolError(f"invalid message from the worker: {exc}") from None
        except StudentError:  # a clean 'error' reply: the worker is ready for the next call
            raise
        except BaseException:  # e.g. KeyboardInterrupt in a helper: the worker is mid-call
            self._discard()
            raise

    def _answer(self, m: dict, helpers: dict, counts: dict, deadline: float) -> None:
        """Run a trusted helper for the student's stub and send back the result."""
        name = _str(m.get("name"), 200, "helper name")
        args, kwargs = codec.decode(m.get("args")), codec.decode(m.get("kwargs"))
        if type(args) is not list or type(kwargs) is not dict:
            raise _Invalid("bad callback arguments")
        fn = helpers.get(name)
        counts[name] = counts.get(name, 0) + 1
        if fn is None:
            reply = {"op": "callback_error", "type": "NameError",
                     "message": f"helper {name} is not available in this call"}
        else:
            try:
                reply = {"op": "callback_result", "value": codec.encode(fn(*args, **kwargs), strict=True)}
            except Exception as exc:  # the student passed arguments the reference rejects
                reply = {"op": "callback_error", "type": type(exc).__name__,
                         "message": str(exc)[:500]}
        data = codec.pack(reply)
        if len(data) - 4 > self._wp.max_bytes:
            data = codec.pack({"op": "callback_error", "type": "MemoryError",
                               "message": f"the result of {name} is too large to send"})
        self._wp.send(data, deadline)

    def _result(self, m: dict, return_args: bool, wall: float, counts: dict) -> CallResult:
        args_after = None
        if return_args:
            args_after = codec.decode(m.get("args_after"))
            if type(args_after) is not list:
                raise _Invalid("args_after is not a list")
        value = codec.decode(m.get("value"))
        return CallResult(value, args_after, _str(m.get("stdout", ""), 8192, "stdout"), wall, counts)

    @staticmethod
    def _student_error(m: dict, func: str) -> StudentError:
        kind = m.get("kind")
        if kind == "missing":
            return StudentMissing(f"{func} is not defined in the notebook")
        if kind == "timeout":     # stopped by the worker's soft limit, which says where
            timeout = StudentTimeout(f"{func} hit the time limit")
            timeout.facts = parse_facts(m.get("facts"))
            return timeout
        if kind != "exception":
            raise _Invalid("bad error kind")
        return StudentException(_str(m.get("type"), 100, "type"), _str(m.get("message"), 1000, "message"),
                                _str(m.get("traceback", ""), 4000, "traceback"),
                                _opt_int(m.get("line"), "line"), parse_facts(m.get("facts")))
