"""Start-up and exit of the autograder's own processes (the CLI and the batch workers).

Imported first by ``autograder/__main__.py`` and ``autograder/course/grading_pool.py`` (and by
``pool_process``, which only the grading pool imports); never by the modules nbgrader and other hosts of
our preprocessors load, so that they keep their own settings.
"""
import atexit
import os
import sys
import threading

# jsonschema, which nbformat imports, imports rfc3987_syntax when it is installed (jupyter-events
# brings it), and that compiles 38 lark grammars at import: about 1 s, a third of a cold
# `autograder grade`.  It only provides the "iri" and "iri-reference" format checkers; the
# notebook schemas use neither, and nbformat validates without format checking.  A None entry in
# sys.modules makes that import fail, and jsonschema then simply goes without those two checkers.
sys.modules.setdefault("rfc3987_syntax", None)


def leave(code) -> None:
    """Exit without tearing the interpreter down module by module: with PyTorch loaded that took
    half a second of every ``autograder grade``.  Exit handlers still run (temporary folders,
    spare workers, logging) and the output is flushed first; only the teardown is skipped, and only
    when no thread is left working and no profiler or tracer (cProfile, coverage) waits for the end."""
    if sys.getprofile() is not None or sys.gettrace() is not None \
            or any(t is not threading.main_thread() and not t.daemon for t in threading.enumerate()):
        sys.exit(code)          # a profiler that writes at exit, or a thread still working: the usual way
    status = code if isinstance(code, int) else (0 if code is None else 1)
    if not isinstance(code, (int, type(None))):
        print(code, file=sys.stderr)
    atexit._run_exitfuncs()
    flush_output()
    os._exit(status)


def flush_output() -> None:
    """Flush stdout and stderr before ``os._exit`` (which flushes nothing)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):   # a closed pipe: nothing more can be said anyway
            pass
