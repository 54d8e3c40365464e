"""The server side of tests/warm_cli.py: imports once what every ``python -m autograder`` run imports (and
nbgrader), then forks one child per request and runs the requested module as ``__main__`` in it, as
``python -m MODULE`` would.

Protocol (one JSON object per line): requests on stdin ``{"id", "module", "args", "cwd", "env", "stdout",
"stderr"}``
(the two outputs are file paths), answers on the original stdout ``{"id", "pid"}`` when started and
``{"id", "status"}`` (a subprocess-style return code) when ended; ``{"kill": id}`` ends a run.
Single-threaded on purpose: a process that forks must not have other threads.
"""
import json
import os
import select
import signal
import sys

from autograder import startup  # first, exactly as autograder/__main__.py imports it

# What a grading run imports anyway (about 1.5 s of every cold `autograder grade`).  Importing is all
# that happens here: no PyTorch or BLAS thread pool has started, so forking stays safe.
import numpy  # noqa: F401,E402
import torch  # noqa: F401,E402
import nbformat  # noqa: F401,E402
import pytest  # noqa: F401,E402
import yaml  # noqa: F401,E402
import nbgrader.apps  # noqa: F401,E402
import autograder.cli  # noqa: F401,E402
import autograder.engine.grader  # noqa: F401,E402
import autograder.engine.suites  # noqa: F401,E402

# What the children inherit stays out of their garbage collections, as for the product's forked processes
# (autograder/course/pool_process.py, heap_frozen_for_forks); this process only forks, so it never thaws.
import gc  # noqa: E402
gc.freeze()


def _child(request: dict, answers: int, requests: int) -> None:
    """Become ``python -m MODULE ARGS`` in the requested folder and environment; never returns."""
    code = 1
    try:
        os.close(answers)
        os.close(requests)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        for fd, path in ((1, request["stdout"]), (2, request["stderr"])):
            out = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(out, fd)
            os.close(out)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        import tempfile
        tempfile.tempdir = None               # found again from this run's TMPDIR
        if request["module"] == "-c":          # python -c CODE ARGS
            sys.argv = ["-c", *request["args"][1:]]
            exec(compile(request["args"][0], "<string>", "exec"), {"__name__": "__main__", "__builtins__": __builtins__})
        else:
            sys.argv = [sys.executable, *request["args"]]
            import runpy
            runpy.run_module(request["module"], run_name="__main__", alter_sys=True)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if not isinstance(exc.code, (int, type(None))):
            print(exc.code, file=sys.stderr)
    except BaseException as exc:
        # As the interpreter prints it, without this function's frame (a ``-m`` run's traceback still shows
        # runpy's run_module frames where a cold start shows _run_module_as_main).
        import traceback
        traceback.print_exception(type(exc), exc, exc.__traceback__.tb_next)
    finally:
        startup.flush_output()
        os._exit(code)


def serve() -> None:
    answers = os.dup(1)                       # children get fresh fds 1 and 2; answers go here
    requests = sys.stdin.fileno()
    running: dict[int, str] = {}              # pid -> request id
    pending = b""

    def answer(payload: dict) -> None:
        os.write(answers, (json.dumps(payload) + "\n").encode())

    while True:
        ready, _, _ = select.select([requests], [], [], 0.02)
        if ready:
            chunk = os.read(requests, 65536)
            if not chunk:
                break                         # the test process went away
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                request = json.loads(line)
                if "kill" in request:
                    for pid, rid in running.items():
                        if rid == request["kill"]:
                            os.kill(pid, signal.SIGKILL)
                    continue
                sys.stdout.flush()
                sys.stderr.flush()
                pid = os.fork()
                if pid == 0:
                    _child(request, answers, requests)
                running[pid] = request["id"]
                answer({"id": request["id"], "pid": pid})
        while running:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                break
            rid = running.pop(pid, None)
            if rid is not None:
                answer({"id": rid, "status": os.waitstatus_to_exitcode(status)})
    for pid in running:
        os.kill(pid, signal.SIGKILL)


if __name__ == "__main__":
    serve()
