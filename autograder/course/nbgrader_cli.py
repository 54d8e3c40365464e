"""``python -m autograder.course.nbgrader_cli ARGS`` is ``nbgrader ARGS``, started as our own processes are.

The autograder runs nbgrader's commands (the demo's release, collect and export; ``autograder batch``'s
collection and fallback recording; ``autograder release``) through :func:`run`: as this module in a new
interpreter, or, where that is safe, in a child forked from the calling process that runs what this
module's ``__main__`` runs.  A plain
``python -m nbgrader`` spends 1.3 s of its 2.5 s start compiling grammars for two IRI format
checkers nbformat never uses (see :mod:`autograder.startup`); this entry point applies the same
start-up settings and then runs nbgrader's own ``main``, unchanged but for one thing: a new gradebook
learns the revision of nbgrader's database schema from :func:`alembic_head`, in this process, where
nbgrader starts the ``alembic`` program for it (another interpreter: 2.6 s of CPU per new gradebook,
and a failure when ``alembic`` is not on PATH).  What a TA types by hand stays ``nbgrader ...``.
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
    PATH (nbgrader starts Jupyter kernels, and ``alembic`` where it upgrades an old gradebook).

    Forked from this process where that is safe (:func:`~.pool_process.run_forked`): nbgrader's
    commands are imported here once instead of by a new interpreter per command."""
    from . import pool_process
    run_env = dict(env or os.environ)
    run_env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + run_env.get("PATH", "")
    if pool_process.can_fork() and pool_process.starts_alike(run_env):
        from nbgrader.apps import nbgraderapp  # noqa: F401 - imported once, for every forked command
        return pool_process.run_forked(lambda: _main(list(args)), argv=command(*args), cwd=course_root,
                                       env=run_env)
    return subprocess.run(command(*args), cwd=course_root, env=run_env, capture_output=True, text=True)


def alembic_head() -> str:
    """The revision ``alembic heads`` names for nbgrader's migrations (what nbgrader stamps a new gradebook
    with), read from nbgrader's migration scripts in this process."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from nbgrader.dbutil import ALEMBIC_DIR
    config = Config()
    config.set_main_option("script_location", ALEMBIC_DIR)
    return ScriptDirectory.from_config(config).get_current_head()


def stamp_in_process() -> None:
    """New gradebooks of this process get :func:`alembic_head` instead of nbgrader starting the program.
    For our own processes only (this entry point, and ``batch``, through which ``merge`` records too): a
    process that hosts our preprocessors keeps nbgrader as it is."""
    import nbgrader.api
    nbgrader.api.get_alembic_version = alembic_head


def _main(args: list[str]) -> None:
    """This module's ``__main__`` for ``args``, in a child forked by :func:`run`: the applications the
    parent may have made (traitlets keeps one instance of each class) are not the command's."""
    from traitlets.config import SingletonConfigurable
    from nbgrader.apps.nbgraderapp import main
    classes = [SingletonConfigurable]
    while classes:
        cls = classes.pop()
        cls.clear_instance()
        classes.extend(cls.__subclasses__())
    sys.argv = [__file__, *args]
    stamp_in_process()
    main()


if __name__ == "__main__":
    from .. import startup  # first: process settings before nbgrader imports nbformat
    from nbgrader.apps.nbgraderapp import main
    stamp_in_process()
    startup.leave(main())
