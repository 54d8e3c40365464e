"""Is a forced sandbox level available here?  One line naming what is missing, before any grading.

``--sandbox L1`` on a machine where the worker uid cannot reach the
interpreter used to fail every submission with a ``PermissionError``; now
:func:`require_level` says so once, before the first submission, and
``autograder grade|check|batch`` exit with status 2.
"""
from __future__ import annotations

import os
import shutil
import stat
import sys
import sysconfig
from pathlib import Path

from . import launch as sandbox
from . import slots

_checked: dict[str, str | None] = {}


class SandboxUnavailable(RuntimeError):
    """The forced level cannot run on this machine; ``str()`` is one line saying why."""


def _unreachable(path: Path) -> tuple[Path, os.stat_result] | None:
    """The first folder on the way to ``path`` (or the file) that a stranger uid cannot pass or read."""
    path = Path(os.path.realpath(path))
    for part in [*reversed(path.parents), path]:
        info = part.stat()
        need = stat.S_IXOTH if stat.S_ISDIR(info.st_mode) else stat.S_IROTH
        if stat.S_ISDIR(info.st_mode) and part == path:
            need |= stat.S_IROTH
        if not info.st_mode & need:
            return part, info
    return None


def interpreter_paths() -> list[Path]:
    """What a worker needs to read: the interpreter, its standard library and site-packages."""
    paths = {Path(sys.executable), Path(sysconfig.get_paths()["stdlib"]), Path(sysconfig.get_paths()["purelib"])}
    return sorted(p for p in paths if p.exists())


def missing_for(level: str) -> str | None:
    """Why ``level`` cannot run here (what is missing), or None when nothing static is missing."""
    if level == "L0":
        return None
    if "L1" in level and os.geteuid() != 0:
        return f"{level} needs root (run the grader as root, e.g. with sudo) to start workers as their own uids"
    if level.startswith("L2") and not shutil.which("bwrap"):
        return f"{level} needs bubblewrap (apt-get install bubblewrap)"
    if level == "L2+L1" and not shutil.which("setpriv"):
        return "L2+L1 needs setpriv (apt-get install util-linux)"
    if "L1" in level:
        try:
            uid = slots.uid_range().start
        except slots.NoFreeSlot as exc:
            return f"{level}: {exc}"
        if level == "L1":   # under L2 the interpreter is bound into the sandbox, not reached through /
            for path in interpreter_paths():
                blocked = _unreachable(path)
                if blocked:
                    folder, info = blocked
                    return (f"L1: interpreter {path} is not readable by uid {uid} ({folder} is mode "
                            f"{stat.S_IMODE(info.st_mode):o}); install Python outside it or use L2+L1")
    return None


def require_level(level: str | None) -> None:
    """Raise :class:`SandboxUnavailable` unless the forced ``level`` really starts a worker here."""
    if not level:
        return
    if level not in sandbox.LEVELS:
        raise SandboxUnavailable(f"unknown sandbox level {level!r}; expected one of {', '.join(sandbox.LEVELS)}")
    if level not in _checked:
        why = missing_for(level)
        if why is None:
            failure = sandbox.try_level(level)
            why = f"sandbox level {level} does not work here: {failure}" if failure else None
        _checked[level] = why
    if _checked[level]:
        raise SandboxUnavailable(_checked[level])
