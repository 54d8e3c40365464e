"""One unprivileged uid per running worker under L1 (the model: ``isolate``, where each box has its own uid).

Two submissions graded at the same time must not share a user: a process can
signal, ptrace and read ``/proc/<pid>/environ`` or ``mem`` of any process of
its own uid, and read whatever files that uid owns.  So every worker that
drops privileges takes a *slot*: a uid from a reserved range (default
60000-60063, ``AUTOGRADER_UID_BASE`` and ``AUTOGRADER_UID_SLOTS`` change it),
held by an exclusive ``flock`` on a lock file in a root-only folder for the
worker's lifetime, so parallel workers of one batch, two concurrent
``autograder grade`` runs or test sessions never get the same uid.  Only uids
with no passwd or group entry and no running process are used: a real user's
files and processes are never exposed to a worker.  The gid is the same
number.  When a slot is released, files the uid left in the world-writable
temp folders are removed, so the next holder finds nothing of the last one.
"""
from __future__ import annotations

import fcntl
import grp
import os
import pwd
import shutil
import tempfile
from pathlib import Path

BASE_VARIABLE, SLOTS_VARIABLE = "AUTOGRADER_UID_BASE", "AUTOGRADER_UID_SLOTS"
DEFAULT_BASE, DEFAULT_SLOTS = 60000, 64
_SHARED_TEMP = ("/tmp", "/var/tmp", "/dev/shm")


class NoFreeSlot(RuntimeError):
    """Every uid of the range is taken, mapped to a user or running processes."""


def uid_range() -> range:
    try:
        base = int(os.environ.get(BASE_VARIABLE, DEFAULT_BASE))
        count = int(os.environ.get(SLOTS_VARIABLE, DEFAULT_SLOTS))
    except ValueError:
        raise NoFreeSlot(f"{BASE_VARIABLE} and {SLOTS_VARIABLE} must be whole numbers") from None
    if not (1000 <= base and 1 <= count and base + count <= 65534):
        raise NoFreeSlot(f"uid range {base}+{count} is outside 1000..65533")
    return range(base, base + count)


def is_unmapped(uid: int) -> bool:
    """No user or group has this id (so no real account's files or processes are this uid's)."""
    try:
        pwd.getpwuid(uid)
        return False
    except KeyError:
        pass
    try:
        grp.getgrgid(uid)
        return False
    except KeyError:
        return True


def processes_of(uid: int) -> list[int]:
    pids = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                if os.stat(f"/proc/{name}").st_uid == uid:
                    pids.append(int(name))
            except OSError:
                pass
    return pids


def _lock_dir() -> Path:
    """Root-only, so a worker cannot take or hold a lock."""
    for candidate in (Path("/run/autograder-slots"), Path(tempfile.gettempdir()) / f"autograder-slots-{os.geteuid()}"):
        try:
            candidate.mkdir(mode=0o700, exist_ok=True)
            info = candidate.lstat()
            if info.st_uid == os.geteuid() and not candidate.is_symlink() and info.st_mode & 0o077 == 0:
                return candidate
        except OSError:
            continue
    raise NoFreeSlot("no private folder for the uid slot locks (/run or the temp folder)")


class Slot:
    """A uid held for one worker; :meth:`release` frees it (idempotent)."""

    def __init__(self, uid: int, handle):
        self.uid, self._handle = uid, handle

    def release(self) -> None:
        if self._handle is None:
            return
        remove_leftovers(self.uid)
        self._handle.close()            # drops the flock
        self._handle = None


def acquire() -> Slot:
    """The first free uid of the range, locked for the caller."""
    folder = _lock_dir()
    for uid in uid_range():
        if not is_unmapped(uid):
            continue
        handle = open(folder / f"uid-{uid}.lock", "a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            continue
        if processes_of(uid):           # not ours (a crashed grader's leftovers?): leave that uid alone
            handle.close()
            continue
        return Slot(uid, handle)
    span = uid_range()
    raise NoFreeSlot(f"all worker uids {span.start}-{span.stop - 1} are busy or belong to accounts; "
                     f"set {BASE_VARIABLE}/{SLOTS_VARIABLE} to a free range")


def remove_leftovers(uid: int) -> None:
    """Delete what ``uid`` left directly in the shared temp folders (a worker's cwd is removed anyway)."""
    for folder in _SHARED_TEMP:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.stat(follow_symlinks=False).st_uid != uid:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    os.unlink(entry.path)
            except OSError:
                pass
