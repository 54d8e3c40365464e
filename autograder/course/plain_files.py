"""Only regular files in a submission folder, and in a feedback folder only what the course put there.

nbgrader copies a submission folder with ``shutil.copy``, which follows links: a symbolic link
to ``source/<a>/hidden_tests/test_x.py`` left in ``submitted/<student>/<a>/`` became a file with
the hidden test's text in ``autograded/`` and then in the student's feedback.  A folder unpacked
by hand, a tar archive or an exchange on a shared file system can carry such entries, so before
nbgrader (or the batch) reads a submission folder, :func:`keep_regular_files` removes from it
everything that is not a regular file:

* symbolic links (to files or folders, relative or absolute): removing a link loses nothing,
  its target stays where it is;
* FIFOs, sockets and device files: reading them can block or read a device;
* a hard link to a file outside the folder: its ``st_nlink`` is larger than the number of its
  names inside the folder.  Nothing is lost here either, the data stays reachable under its other
  name; hard links between two files of the submission itself are left alone (tar keeps those).

A submission folder (or the student's folder above it) that is itself a symbolic link is replaced
by an empty folder: the submission is graded as empty, and whatever the link pointed at (possibly
the instructor's own ``source/<a>/``) is never read as a submission nor written to by the repairs.

:func:`prune_feedback` is the second guard: after ``generate_feedback``, a student's feedback
folder keeps only the files of the released assignment and the pages grading produced.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

#: shown in the student's note: control characters of a file name would break the note's line
_NAME_LIMIT = 80


def _printable(name: str) -> str:
    text = "".join(ch if ch.isprintable() else "?" for ch in name)
    return text if len(text) <= _NAME_LIMIT else text[:_NAME_LIMIT - 1] + "…"


def _walk(folder: Path, odd: list[Path], linked: dict[tuple[int, int], list[Path]]) -> None:
    """Everything under ``folder`` that is not a regular file or a real folder, without following links
    (a loop, not recursion: an archive can nest folders deeper than Python's recursion limit)."""
    pending = [folder]
    while pending:
        try:
            entries = list(os.scandir(pending.pop()))
        except OSError:     # unreadable: nbgrader's own walk cannot copy from it either
            continue
        for entry in entries:
            path = Path(entry.path)
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISDIR(info.st_mode):
                pending.append(path)
            elif stat.S_ISREG(info.st_mode):
                if info.st_nlink > 1:
                    linked.setdefault((info.st_dev, info.st_ino), []).append(path)
            else:
                odd.append(path)     # a link, FIFO, socket or device


def _unsafe_entries(folder: Path) -> list[Path]:
    odd: list[Path] = []
    linked: dict[tuple[int, int], list[Path]] = {}
    _walk(folder, odd, linked)
    for paths in linked.values():
        # Names outside the folder exist when the link count is larger than the names found inside.
        if os.lstat(paths[0]).st_nlink > len(paths):
            odd += paths
    return sorted(odd)


def _chain(folder: Path, top: str | Path | None) -> list[Path]:
    """``folder`` and the folders between ``top`` (excluded) and it, outermost first."""
    if top is None:
        return [folder]
    return [p for p in reversed(folder.parents) if Path(top) in p.parents] + [folder]


def keep_regular_files(folder: str | Path) -> list[str]:
    """Remove every entry of ``folder`` (recursively) that is not a regular file or a real folder,
    and every file hard-linked to a file outside it; return their paths relative to ``folder``."""
    folder = Path(folder)
    removed = []
    for path in _unsafe_entries(folder):
        try:
            path.unlink()       # never follows: a link is removed, not its target
        except FileNotFoundError:
            continue
        removed.append(path.relative_to(folder).as_posix())
    return removed


def replace_linked_folder(folder: str | Path, top: str | Path | None = None) -> bool:
    """If ``folder``, or a folder between ``top`` and it, is a symbolic link, put an empty real folder in
    its place (the link is removed, its target is not touched).  Returns whether it did."""
    folder = Path(folder)
    for path in _chain(folder, top):
        if path.is_symlink():
            path.unlink()
            folder.mkdir(parents=True)
            return True
    return False


def folder_is_unsafe(folder: str | Path, top: str | Path | None = None) -> bool:
    """Whether :func:`replace_linked_folder` or :func:`keep_regular_files` would still change something."""
    folder = Path(folder)
    return any(p.is_symlink() for p in _chain(folder, top)) or bool(_unsafe_entries(folder))


def is_plain_file(path: str | Path) -> bool:
    """A regular file with no other name (not a link, device, FIFO or socket, not hard-linked elsewhere)."""
    try:
        info = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISREG(info.st_mode) and info.st_nlink == 1


def removed_names(names: list[str], limit: int = 6) -> str:
    shown = ", ".join(_printable(name) for name in names[:limit])
    return shown + (f", … (+{len(names) - limit})" if len(names) > limit else "")


def _released_files(release: Path) -> set[str]:
    found = set()
    for dirpath, _dirnames, filenames in os.walk(release):
        for name in filenames:
            path = Path(dirpath, name)
            if path.is_file() and not path.is_symlink():
                found.add(path.relative_to(release).as_posix())
    return found


def prune_feedback(feedback: str | Path, release: str | Path, pages: set[str]) -> list[str]:
    """Keep in a feedback folder only regular files that are files of the released assignment
    (``release``, same relative path) or one of ``pages`` (the pages grading produced, relative
    names); remove everything else and every link.  Returns what was removed."""
    feedback, release = Path(feedback), Path(release)
    allowed = _released_files(release) | set(pages)
    removed = []
    for dirpath, dirnames, filenames in os.walk(feedback, topdown=False):
        for name in filenames + [d for d in dirnames if Path(dirpath, d).is_symlink()]:
            path = Path(dirpath, name)
            relative = path.relative_to(feedback).as_posix()
            regular = stat.S_ISREG(os.lstat(path).st_mode)
            if regular and relative in allowed:
                continue
            path.unlink()
            removed.append(relative)
        for name in dirnames:
            path = Path(dirpath, name)
            if path.is_dir() and not path.is_symlink() and not any(path.iterdir()):
                path.rmdir()
    return sorted(removed)


# -- nbgrader's hooks (autograder.nbgrader_bridge) ------------------------------------------------
# nbgrader logs an exception raised by a pre- or post-convert hook and goes on: copying the submission
# folder, releasing the feedback folder.  These stop the command instead (SystemExit is not an
# Exception: nbgrader does not catch it), with one line.

#: what nbgrader's own release_feedback reads in a feedback folder, besides the pages
NBGRADER_FEEDBACK_FILES = frozenset({"timestamp.txt", "submission_secret.txt"})


def submitted_top(coursedir) -> Path:
    """The folder holding every student's submissions (``submitted/``), links not resolved."""
    return Path(os.path.normpath(coursedir.format_path(coursedir.submitted_directory, ".", ".")))


def stop_if_unsafe(folder: str | Path, top: str | Path | None, exc: BaseException) -> None:
    """After a failed preparation of ``folder``: stop nbgrader if links or special files are still in it."""
    if folder_is_unsafe(folder, top):
        raise SystemExit(f"autograder: {folder} holds links or special files that could not be removed "
                         f"({type(exc).__name__}: {exc}); remove them by hand, then run the command again")


def clear_feedback(feedback: str | Path, release: str | Path, notebooks) -> list[str]:
    """:func:`prune_feedback` for the pages of ``notebooks`` (the autograded notebooks), or stop nbgrader."""
    pages = {Path(p).stem + ".html" for p in notebooks} | NBGRADER_FEEDBACK_FILES
    try:
        return prune_feedback(feedback, release, pages)
    except Exception as exc:
        raise SystemExit(f"autograder: could not clear {feedback} of files that are not feedback "
                         f"({type(exc).__name__}: {exc}); do not release this feedback before it is") from None
