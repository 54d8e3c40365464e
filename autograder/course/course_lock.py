"""One ``autograder batch`` (or ``merge``) at a time on a course.

Two batches on one course repair the same submission folders, write the same result files, record
into the same gradebook and replace the same ``grades.csv``; one of them once ended with a raw
``[Errno 2] ... .grades.csv.tmp -> grades.csv``.  A batch therefore holds an exclusive
``fcntl.flock`` on ``<course>/.autograder.lock`` for its whole run.  ``--shard K/N`` runs hold it
shared: shards of one class may run side by side (each grades its own students into its own
staging folder, and records nothing), but never next to a full batch or a merge.

A second run refuses at once by default, with one line naming the run that holds the lock.  It does
not wait by default because a batch takes minutes to hours: a command that sits silent for that
long looks hung, and the instructor who started it twice by mistake wants to know now.  ``--wait
SECONDS`` waits at most that long (a script that queues runs), then refuses the same way.

The lock is the kernel's: it goes when the process holding it ends, however it ends (a killed
batch leaves no stale lock to clean up); the file itself stays and only says who last held it.
"""
from __future__ import annotations

import contextlib
import datetime
import fcntl
import os
import time
from pathlib import Path

from .. import handover

LOCK_FILE = ".autograder.lock"
#: how often a waiting run asks again (the kernel offers no bounded blocking flock)
POLL_S = 0.25


class CourseBusy(Exception):
    """Another run holds the course; ``str()`` is one line."""


def _holder(handle) -> str:
    handle.seek(0)
    lines = [line.strip() for line in handle.read(4096).splitlines() if line.strip()]
    return lines[-1] if lines else "another autograder run"


def _try(handle, shared: bool) -> bool | None:
    """Take the lock without blocking: None if busy, else whether this run holds it alone."""
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        if not shared:
            return None
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)   # other shards hold it, or a full batch
        except BlockingIOError:
            return None
        return False
    # Taken alone.  A shard rewrites the holder line first, then shares the lock (course_lock): a full batch
    # may slip into the gap of that conversion, and the shard then refuses like any second run.
    return True


@contextlib.contextmanager
def course_lock(course_root: str | Path, what: str, *, wait: float = 0.0, shared: bool = False,
                clock=time.monotonic, sleep=time.sleep):
    """Hold the course's lock while the block runs; :class:`CourseBusy` if it is still held after ``wait`` s."""
    path = Path(course_root) / LOCK_FILE
    created = not path.exists()
    try:
        handle = open(path, "a+", encoding="utf-8")
    except PermissionError:   # made by another user (e.g. root under sudo): flock needs no write access
        handle = open(path, encoding="utf-8")
    else:
        if created:           # under sudo, the lock file belongs to the user who ran sudo, like the results
            handover.hand_over(path)
    with handle:
        deadline = clock() + max(0.0, wait)
        while (alone := _try(handle, shared)) is None:
            if clock() >= deadline:
                waited = f" after waiting {wait:g} s" if wait > 0 else ""
                raise CourseBusy(f"{_holder(handle)} is still running on this course{waited} ({path}): let it "
                                 "finish and run this again (`autograder batch --wait SECONDS` waits for it)")
            sleep(min(POLL_S, max(0.0, deadline - clock())))
        started = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
        if handle.writable():
            if alone:   # the holders' lines: the last one names the latest of several shards
                handle.seek(0)
                handle.truncate()
            handle.write(f"`autograder {what}` (pid {os.getpid()}, started {started})\n")
            handle.flush()
        if alone and shared:
            try:
                fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                raise CourseBusy(f"{_holder(handle)} took this course while this shard started ({path}): "
                                 "run the shard again when it has finished") from None
        yield path
