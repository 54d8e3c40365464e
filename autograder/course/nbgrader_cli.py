"""``python -m autograder.course.nbgrader_cli ARGS`` is ``nbgrader ARGS``, started as our own processes are.

The autograder runs nbgrader's commands as subprocesses (the demo's release, collect and export;
``autograder batch``'s collection and fallback recording; ``autograder release``).  A plain
``python -m nbgrader`` spends 1.3 s of its 2.5 s start compiling grammars for two IRI format
checkers nbformat never uses (see :mod:`autograder.startup`); this entry point applies the same
start-up settings and then runs nbgrader's own ``main``, unchanged.  What a TA types by hand
stays ``nbgrader ...``.
"""
import os
import subprocess
import sys
from pathlib import Path


def command(*args: str) -> list[str]:
    """The argv that runs ``nbgrader args`` this way with the current interpreter."""
    return [sys.executable, "-m", "autograder.course.nbgrader_cli", *args]


def run(course_root: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """``nbgrader args`` in ``course_root``, output captured.  This interpreter's tools come first on
    PATH: nbgrader shells out to ``alembic`` for its database, which must come from our venv."""
    run_env = dict(env or os.environ)
    run_env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + run_env.get("PATH", "")
    return subprocess.run(command(*args), cwd=course_root, env=run_env, capture_output=True, text=True)


if __name__ == "__main__":
    from .. import startup  # first: process settings before nbgrader imports nbformat
    from nbgrader.apps.nbgraderapp import main
    startup.leave(main())
