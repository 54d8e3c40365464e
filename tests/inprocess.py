"""Run the command line inside the test process (test helper): no interpreter start, no re-imports."""
from __future__ import annotations

import contextlib
import io
import subprocess


def cli(*args: str) -> subprocess.CompletedProcess:
    """``autograder ARGS`` in this process: exit status, stdout and stderr as a CompletedProcess."""
    from autograder.cli import main
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:
            code = exc.code
    return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())
