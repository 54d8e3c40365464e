"""Give what the grader writes under ``sudo`` back to the user who ran ``sudo``.

On a GitHub runner every step runs as the unprivileged ``runner`` user, and the
grader runs as root under ``sudo`` only so that student code can run as yet
another uid.  A file root creates there (``mkstemp``: owner root, mode 0600)
cannot be read by the next step, by ``upload-artifact``, by classroom50's
runner (which rewrites ``result.json``) or by the instructor.  So every file and
folder the grader creates for them is handed to ``SUDO_UID``/``SUDO_GID``.

Modes are left as they are (0600 files): the invoking user can read them, and
the worker uids that run student code still cannot.  Nothing is handed over
when we are not root, when ``sudo`` was not involved, or when the invoker was
root itself, so a plain run behaves exactly as before.
"""
from __future__ import annotations

import os
from pathlib import Path


def invoker() -> tuple[int, int] | None:
    """(uid, gid) of the user who ran ``sudo``, when we are root under it; else None."""
    if os.geteuid() != 0:
        return None
    try:
        uid, gid = int(os.environ["SUDO_UID"]), int(os.environ["SUDO_GID"])
    except (KeyError, ValueError):
        return None
    return None if uid == 0 else (uid, gid)


def hand_over_fd(fd: int) -> None:
    """Hand an open file to the invoker before it gets its name (no window where it is root's)."""
    who = invoker()
    if who is not None:
        os.fchown(fd, *who)


def hand_over(path: str | Path) -> None:
    """Hand one existing file or folder (never what a symlink points to) to the invoker."""
    who = invoker()
    if who is not None:
        os.chown(path, *who, follow_symlinks=False)


def make_dirs(folder: str | Path) -> None:
    """``mkdir -p`` whose new folders belong to the invoker, so a later step may write in them too."""
    folder = Path(folder)
    missing = []
    probe = folder
    while not probe.exists() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    folder.mkdir(parents=True, exist_ok=True)
    for created in reversed(missing):
        hand_over(created)


def hand_over_tree(root: str | Path) -> None:
    """Hand a folder the grader filled (and everything in it) to the invoker."""
    if invoker() is None:
        return
    hand_over(root)
    # os.walk does not follow symbolic links: a student's link never leads the chown elsewhere.
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            hand_over(os.path.join(folder, name))
