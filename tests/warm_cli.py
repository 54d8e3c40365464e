"""``python -m autograder ARGS`` (and nbgrader) for the test suite, started from a warm process (test helper).

The suite runs the command line about a hundred times; every cold start imports PyTorch, numpy,
nbformat and pytest again (about 1.5 s of CPU each on the 2-core machine `make test` is measured on).
Here one server process per test process imports them once (tests/warm_cli_server.py) and forks a child
for every run: the child changes to the requested folder and environment, points its stdin at
/dev/null and its output at files, and runs ``autograder.__main__`` exactly as the interpreter would.
It is its own process, so nothing of a run stays behind for the next; what differs from a cold start
is only what is already imported.  The tests of the start itself (the quick exit, a profiled run,
nbgrader's entry point) keep starting real interpreters.
"""
from __future__ import annotations

import atexit
import itertools
import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

_SERVER = Path(__file__).with_name("warm_cli_server.py")


class _Server:
    def __init__(self) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(__file__).resolve().parents[1]),
                                                          env.get("PYTHONPATH")]))
        self.proc = subprocess.Popen([sys.executable, str(_SERVER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     env=env, cwd=Path(__file__).resolve().parents[1])
        self.ids = itertools.count()
        self.lock = threading.Lock()
        self.events: dict[str, threading.Event] = {}
        self.status: dict[str, int] = {}
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            answer = json.loads(line)
            if "status" in answer:
                self.status[answer["id"]] = answer["status"]
                self.events[answer["id"]].set()

    def send(self, payload: dict) -> None:
        with self.lock:
            self.proc.stdin.write((json.dumps(payload) + "\n").encode())
            self.proc.stdin.flush()

    def run(self, module: str, args: list[str], cwd: Path, env: dict, timeout: float) -> subprocess.CompletedProcess:
        rid = str(next(self.ids))
        with tempfile.TemporaryDirectory(prefix="warm-cli-") as folder:
            out, err = Path(folder) / "stdout", Path(folder) / "stderr"
            self.events[rid] = threading.Event()
            self.send({"id": rid, "module": module, "args": list(args), "cwd": str(cwd), "env": env,
                       "stdout": str(out), "stderr": str(err)})
            ended = self.events[rid].wait(timeout)
            if not ended:
                self.send({"kill": rid})
                self.events[rid].wait(30)
            del self.events[rid]
            if not ended:
                self.status.pop(rid, None)
                raise subprocess.TimeoutExpired([module, *args], timeout)
            return subprocess.CompletedProcess([module, *args], self.status.pop(rid),
                                               out.read_text(encoding="utf-8", errors="replace"),
                                               err.read_text(encoding="utf-8", errors="replace"))

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(30)


_server: _Server | None = None
_start = threading.Lock()


def autograder(*args: str, cwd: Path, env: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    """What ``subprocess.run([python, "-m", "autograder", *args], cwd=cwd, env=env, capture_output=True,
    text=True, timeout=timeout)`` returns, from a warm start."""
    return module("autograder", *args, cwd=cwd, env=env, timeout=timeout)


def module(name: str, *args: str, cwd: Path, env: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    """``python -m NAME ARGS`` from a warm start (``autograder``, ``autograder.course.nbgrader_cli``, ``nbgrader``)."""
    global _server
    with _start:
        if _server is None or _server.proc.poll() is not None:
            _server = _Server()
            atexit.register(_server.close)
    return _server.run(name, list(args), Path(cwd), dict(os.environ if env is None else env), timeout)


WARM_MODULES = ("autograder", "autograder.course.nbgrader_cli", "nbgrader")


def python(args: list[str], cwd: Path, env: dict, timeout: float = 900) -> subprocess.CompletedProcess:
    """``python ARGS`` (``-m MODULE ...`` or ``-c CODE ...``): warm for the package's command line,
    nbgrader and code snippets, a cold interpreter for anything else."""
    if args[0] == "-m" and args[1] in WARM_MODULES:
        return module(args[1], *args[2:], cwd=cwd, env=env, timeout=timeout)
    if args[0] == "-c":
        return module("-c", *args[1:], cwd=cwd, env=env, timeout=timeout)
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
