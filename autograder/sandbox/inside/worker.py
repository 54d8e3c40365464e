"""Worker program: runs untrusted notebook code inside the sandbox.

Run as a standalone script (``python -s -B worker.py --fd-in N --fd-out M
--max-bytes B``) with a private copy of ``codec.py`` next to it.  It may import
only the standard library, numpy and ``codec``: in the sandbox the repository
(and so the ``autograder`` package) is not visible.

The grader talks to it over two dedicated pipes (not stdout), one
length-prefixed JSON message at a time; see ``codec.pack``.  Protocol:

* ``load``  -> one ``cell`` message per cell, then ``loaded``
* ``call``  -> any number of ``callback`` round trips, then ``result``/``error``
* ``ping``  -> ``pong``;  ``exit`` -> process exits

Everything here is inside the trust boundary's *untrusted* side: student code
can monkeypatch this module, numpy or the codec.  That can only change the
answers this process sends, which the grader decodes and validates itself.
"""
from __future__ import annotations

import builtins
import functools
import importlib
import io
import linecache
import os
import signal
import sys
import time
import traceback
import types

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import codec  # noqa: E402  (the private copy next to this file)
import exc_facts  # noqa: E402  (likewise: where student code raised, as plain data)
import numpy  # noqa: E402,F401  (warm import: students import it in cell 1)

# Bind what the protocol needs now, so that a student who later patches
# os.write, json or codec does not silently break framing for the next call.
_read, _write, _exit = os.read, os.write, os._exit
_pack, _encode, _decode = codec.pack, codec.encode, codec.decode
_unpack = functools.partial(codec.unpack_body, trusted=True)   # the grader's messages: no hostile-frame audit
_facts = exc_facts.facts
_HEADER, _perf = codec.HEADER, time.perf_counter
_MISSING = object()

CALL_OUTPUT_CAP = 4096      # characters of print() output kept per call
CELL_OUTPUT_CAP = 1024      # ... per notebook cell at load time
MESSAGE_CAP = 500           # exception message length sent back
TRACEBACK_FRAMES = 8


class Channel:
    """Blocking framed I/O on the two protocol pipes."""

    def __init__(self, fd_in: int, fd_out: int, max_bytes: int):
        self.fd_in, self.fd_out, self.max_bytes = fd_in, fd_out, max_bytes

    def _read_exact(self, n: int) -> bytes:
        chunks, left = [], n
        while left:
            chunk = _read(self.fd_in, min(left, 1 << 20))
            if not chunk:  # grader went away: nothing left to do
                _exit(0)
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def recv(self) -> dict:
        (n,) = _HEADER.unpack(self._read_exact(4))
        if n > self.max_bytes:
            _exit(2)
        return _unpack(self._read_exact(n))

    def send(self, msg: dict) -> None:
        data = _pack(msg)
        if len(data) - 4 > self.max_bytes:
            raise OverflowError(f"message larger than {self.max_bytes >> 20} MiB")
        view = memoryview(data)
        while view:
            view = view[_write(self.fd_out, view):]


class CappedWriter(io.TextIOBase):
    """A text stream keeping only the first ``cap`` characters written.

    Replaces sys.stdout/sys.stderr while student code runs, so a print flood
    costs CPU time only, never memory or pipe space.
    """

    def __init__(self, cap: int):
        super().__init__()
        self._parts, self._size, self._cap, self.dropped = [], 0, cap, 0

    def writable(self):
        return True

    def isatty(self):
        return False

    def write(self, s):
        if not isinstance(s, str):
            raise TypeError(f"write() argument must be str, not {type(s).__name__}")
        room = self._cap - self._size
        if room > 0:
            self._parts.append(s[:room])
            self._size += min(room, len(s))
        self.dropped += max(0, len(s) - max(room, 0))
        return len(s)

    def getvalue(self) -> str:
        text = "".join(self._parts)
        if self.dropped:
            text += f"\n... [{self.dropped} more characters not shown]"
        return text


class TimeLimitExceeded(BaseException):
    """Raised inside student code shortly before the grader's hard time limit, so that the
    reply can say where the code was (the grader kills the worker if this is swallowed)."""


class _Alarm:
    """A soft time limit for one call (SIGALRM), held off while a helper round trip is under way
    so that the protocol is never interrupted half-way."""

    def __init__(self):
        self.in_callback = False
        self.expired = False

    def arm(self, seconds) -> None:
        self.in_callback, self.expired = False, False
        if type(seconds) in (int, float) and seconds > 0:
            signal.signal(signal.SIGALRM, self._ring)
            signal.setitimer(signal.ITIMER_REAL, float(seconds))

    def disarm(self) -> None:
        signal.setitimer(signal.ITIMER_REAL, 0)

    def _ring(self, signum, frame):
        if self.in_callback:
            self.expired = True
            return
        raise TimeLimitExceeded("time limit")

    def after_callback(self) -> None:
        self.in_callback = False
        if self.expired:
            raise TimeLimitExceeded("time limit")


_ALARM = _Alarm()


def _forbidden_input(prompt=""):
    raise RuntimeError("input() is not available during grading")


def _noop(*args, **kwargs):
    return None


class _DummyIPython:
    """Stand-in for get_ipython(): every method is a no-op (magics, system, ...)."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return _noop


_IPYTHON = _DummyIPython()


def _install_builtins(forbid_input: bool) -> None:
    if forbid_input:
        builtins.input = _forbidden_input
        builtins.raw_input = _forbidden_input
    builtins.display = _noop
    builtins.get_ipython = lambda: _IPYTHON
    builtins.In, builtins.Out = [""], {}


def _safe_str(exc: BaseException) -> str:
    try:
        text = str(exc)
    except BaseException:  # a hostile __str__ must not kill the worker
        text = "<unprintable exception>"
    return text[:MESSAGE_CAP] + ("..." if len(text) > MESSAGE_CAP else "")


def _cell_frames(exc: BaseException):
    """(cell index, line, function) for traceback frames that belong to notebook cells."""
    frames = []
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        name = frame.f_code.co_filename
        if name.startswith("<cell-") and name.endswith(">"):
            frames.append((int(name[6:-1]), lineno, frame.f_code.co_name))
    if isinstance(exc, SyntaxError) and str(exc.filename).startswith("<cell-"):
        frames.append((int(exc.filename[6:-1]), exc.lineno, "<module>"))
    return frames


def describe(exc: BaseException) -> dict:
    """Short, student-safe description: type, message, line, cell-only traceback."""
    frames = _cell_frames(exc)
    lines = []
    for cell, lineno, func in frames[-TRACEBACK_FRAMES:]:
        src = linecache.getline(f"<cell-{cell}>", lineno or 0).strip()
        lines.append(f"  cell {cell}, line {lineno}, in {func}" + (f"\n    {src[:200]}" if src else ""))
    out = {"type": type(exc).__name__[:100], "message": _safe_str(exc),
           "line": frames[-1][1] if frames else None, "traceback": "\n".join(lines)}
    try:
        found = _facts(exc)
    except BaseException:  # facts are a courtesy: never let them break the reply
        found = None
    if found:
        out["facts"] = found
    return out


class _Speculation:
    """Helper calls answered by the student's own helpers during one call, each answer logged.

    Round trips to the grader's reference helpers were most of a submission's grading time
    (``conv_forward`` calls ``conv_single_step`` once per window).  While speculating, a helper
    call runs the student's own helper on copies of its arguments and hands the outer function a
    copy of the answer, exactly what a round trip would hand it.  The grader then runs the
    reference on every logged call: if every answer is the reference's, the outer function saw what
    it would have seen with the reference, and its result stands; otherwise the grader calls again
    without speculation (``session.WorkerSession.call``).  Whatever this process claims, the
    grader's check decides; a forged log can only get the student graded on their own helper.

    A helper that is missing or raises ends speculation: that call and the rest make real round
    trips.  A helper that prints spoils it (the captured output would differ).
    """

    def __init__(self, own: dict, most: int):
        self.own, self.most = own, most     # most: calls logged before speculation stops (the grader's limit)
        self.log, self.active, self.spoiled, self.helper_s = [], True, False, 0.0

    def answer(self, name: str, args, kwargs):
        own = self.own.get(name, _MISSING)
        if own is _MISSING or not callable(own):
            self.active = False
            return _MISSING
        sent_args, sent_kwargs = _encode(list(args)), _encode(kwargs)
        out = CappedWriter(1)
        saved = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = out
        t0 = _perf()
        try:
            value = own(*_decode(sent_args), **_decode(sent_kwargs))
        except TimeLimitExceeded:
            raise
        except BaseException:  # noqa: BLE001 - the reference may answer otherwise: ask it
            self.active = False
            return _MISSING
        finally:
            sys.stdout, sys.stderr = saved
            self.helper_s += _perf() - t0
        if out.getvalue():
            self.spoiled = True
        answer = _encode(value)
        self.log.append({"name": name, "args": sent_args, "kwargs": sent_kwargs, "value": answer})
        if len(self.log) >= self.most:
            self.active = False
        return _decode(answer)

    def report(self) -> dict:
        return {"spoiled": self.spoiled, "log": self.log, "helper_s": self.helper_s}


class Worker:
    """Holds the notebook namespace and answers the grader's requests."""

    def __init__(self, channel: Channel):
        self.chan = channel
        # A real module registered as __main__ so dataclasses, pickle and
        # typing.get_type_hints behave as in a notebook kernel.
        self.module = types.ModuleType("__main__")
        self.module.__dict__["__builtins__"] = builtins
        sys.modules["__main__"] = self.module
        self.g = self.module.__dict__

    def _run_captured(self, cap: int, fn, *args, **kwargs):
        out = CappedWriter(cap)
        saved = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = out
        t0 = _perf()
        try:
            return True, fn(*args, **kwargs), out, _perf() - t0
        except BaseException as exc:  # SystemExit/KeyboardInterrupt included
            return False, exc, out, _perf() - t0
        finally:
            sys.stdout, sys.stderr = saved

    def load(self, msg: dict) -> None:
        _install_builtins(bool(msg.get("forbidden_input", True)))
        statuses = []
        for i, src in enumerate(msg["cells"]):
            fname = f"<cell-{i}>"
            linecache.cache[fname] = (len(src), None, src.splitlines(True), fname)
            # dont_inherit: this file's `from __future__` flags must not leak into cells
            ok, res, out, _ = self._run_captured(
                CELL_OUTPUT_CAP, lambda: exec(compile(src, fname, "exec", dont_inherit=True), self.g))
            status = {"index": i, "status": "ok" if ok else "error",
                      "error": None if ok else describe(res), "output": out.getvalue()}
            del res  # do not keep the exception (and its frames) alive
            self.chan.send({"op": "cell", **status})
            statuses.append(status)
        names = sorted(k for k, v in list(self.g.items())
                       if not k.startswith("__") and callable(v))[:10000]
        self.chan.send({"op": "loaded", "cells": statuses, "names": names})

    def _stub(self, name: str, call_id, spec: "_Speculation | None" = None):
        """A helper stand-in that asks the grader to run its trusted reference (or, while ``spec``
        speculates, answers with the student's own helper and logs the answer for the grader to check)."""
        chan = self.chan

        def stub(*args, **kwargs):
            if spec is not None and spec.active:
                answer = spec.answer(name, args, kwargs)
                if answer is not _MISSING:
                    return answer
            _ALARM.in_callback = True
            try:
                chan.send({"op": "callback", "id": call_id, "name": name,
                           "args": _encode(list(args)), "kwargs": _encode(kwargs)})
                reply = chan.recv()
            finally:
                _ALARM.after_callback()
            if reply.get("op") == "callback_result":
                return _decode(reply.get("value"))
            exc_type = getattr(builtins, str(reply.get("type")), None)
            if not (isinstance(exc_type, type) and issubclass(exc_type, Exception)):
                exc_type = RuntimeError
            raise exc_type(str(reply.get("message", "helper failed")))

        stub.__name__ = stub.__qualname__ = name
        return stub

    def _harness(self, name: str):
        """``module:function`` names a function of a module the assignment ships to
        students (public scaffolding, no answers).  It is called with the notebook's
        namespace first, so it can build objects that cannot cross the process
        boundary (a torch model), call student functions on them, and return plain data.
        """
        module_name, _, func_name = name.partition(":")
        if not (module_name.isidentifier() and func_name.isidentifier()):
            return _MISSING
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            return _MISSING
        func = getattr(module, func_name, _MISSING)
        if func is _MISSING or not callable(func):
            return _MISSING
        return functools.partial(func, self.g)

    def call(self, msg: dict) -> None:
        call_id, name = msg.get("id"), msg["func"]
        func = self._harness(name) if ":" in name else self.g.get(name, _MISSING)
        if func is _MISSING or not callable(func):
            self.chan.send({"op": "error", "id": call_id, "kind": "missing", "type": "NameError",
                            "message": f"{name} is not defined in the notebook", "traceback": ""})
            return
        args, kwargs = _decode(msg["args"]), _decode(msg["kwargs"])
        saved = {h: self.g.get(h, _MISSING) for h in msg.get("helpers", [])}
        most = msg.get("speculate")
        spec = _Speculation(saved, most) if type(most) is int and most > 0 and saved else None
        for h in saved:
            self.g[h] = self._stub(h, call_id, spec)
        try:
            _ALARM.arm(msg.get("soft_timeout_s"))
            try:
                ok, res, out, dur = self._run_captured(CALL_OUTPUT_CAP, func, *args, **kwargs)
            finally:
                _ALARM.disarm()
        finally:  # put the student's own helpers back for later calls
            for h, v in saved.items():
                if v is _MISSING:
                    self.g.pop(h, None)
                else:
                    self.g[h] = v
        if ok:
            reply = {"op": "result", "id": call_id, "value": _encode(res),
                     "args_after": _encode(list(args)) if msg.get("return_args") else None,
                     "stdout": out.getvalue(), "duration_s": dur}
        else:
            kind = "timeout" if isinstance(res, TimeLimitExceeded) else "exception"
            reply = {"op": "error", "id": call_id, "kind": kind, **describe(res)}
        del res
        if spec is not None:
            reply["speculated"] = spec.report()
        try:
            self.chan.send(reply)
        except OverflowError as exc:
            if spec is not None and spec.log:    # the log made it too large: let the grader call again without
                reply["speculated"] = {"spoiled": True, "log": [], "helper_s": spec.helper_s}
                try:
                    self.chan.send(reply)
                    return
                except OverflowError:
                    pass
            self.chan.send({"op": "error", "id": call_id, "kind": "exception",
                            "type": "ResultTooLarge", "message": str(exc), "traceback": ""})

    def serve(self) -> None:
        while True:
            msg = self.chan.recv()
            op = msg["op"]
            if op == "load":
                self.load(msg)
            elif op == "call":
                self.call(msg)
            elif op == "ping":
                self.chan.send({"op": "pong", "uid": os.getuid(), "pid": os.getpid()})
            elif op == "exit":
                _exit(0)
            else:
                _exit(3)


class _FontListOnImport:
    """On the first import of matplotlib, put the font list the grader shipped next to this file
    (autograder/sandbox/fonts.py) where matplotlib looks for it, so that matplotlib does not build it
    again; then step aside.  Only then: the worker's folder stays empty until the notebook uses matplotlib."""

    def __init__(self, names: list[str]):
        self.names = names

    def find_spec(self, name, path=None, target=None):
        if name == "matplotlib":
            sys.meta_path[:] = [finder for finder in sys.meta_path if finder is not self]
            here, target_dir = os.path.dirname(os.path.abspath(__file__)), os.environ.get("MPLCONFIGDIR")
            try:
                if target_dir:
                    os.makedirs(target_dir, exist_ok=True)
                    for font_list in self.names:
                        with open(os.path.join(here, font_list), "rb") as src, \
                                open(os.path.join(target_dir, font_list), "wb") as dst:
                            dst.write(src.read())
            except OSError:
                pass            # matplotlib builds its own, as it would without one
        return None             # the import itself goes on as usual


def _start_with_font_list() -> None:
    names = [n for n in os.listdir(os.path.dirname(os.path.abspath(__file__)))
             if n.startswith("fontlist-v") and n.endswith(".json")]
    if names:
        sys.meta_path.insert(0, _FontListOnImport(names))


def main(argv: list[str]) -> None:
    opts = dict(zip(argv[0::2], argv[1::2]))
    fd_in, fd_out = int(opts["--fd-in"]), int(opts["--fd-out"])
    for fd in (fd_in, fd_out):  # not inherited by programs the student execs
        os.set_inheritable(fd, False)
    os.environ.setdefault("MPLBACKEND", "Agg")
    _start_with_font_list()
    # Notebooks import modules from their own directory.
    sys.path.insert(1, os.getcwd())
    Worker(Channel(fd_in, fd_out, int(opts.get("--max-bytes", 64 << 20)))).serve()


if __name__ == "__main__":
    main(sys.argv[1:])
