"""One commit of a student's repository, laid out as an nbgrader submission folder.

The files are read out of our own bare repository blob by blob (``git ls-tree``
and ``git cat-file --batch``): no checkout, so nothing of the student's
(``.gitattributes`` filters, hooks, submodules, symlinks) takes effect.  Only
regular files are written, under limits of count and size.

Which folder of the repository is the submission: the shallowest folder holding
the assignment's notebook (``<assignment>.ipynb``, wherever the student keeps
it); failing that, the shallowest folder holding any notebook (the batch then
grades a renamed notebook under the released name, with a note); failing that,
the repository root (graded as an empty submission, with a note).  Hidden
entries (``.git*``, ``.github/``, ``.ipynb_checkpoints/``) are never copied.
"""
from __future__ import annotations

import datetime
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..course import nbgrader_bridge as bridge
from ..feedback.report import write_atomic
from .gitcmd import Git

MAX_FILES = 300
MAX_FILE_BYTES = 25 * 1024 * 1024
MAX_TOTAL_BYTES = 100 * 1024 * 1024
COMMIT_FILE = "commit.json"          # in the submission's .autograder/ sidecar (nbgrader ignores dot folders)
_REGULAR = {"100644", "100755"}


@dataclass
class Entry:
    path: PurePosixPath
    mode: str
    sha: str
    size: int


@dataclass
class Snapshot:
    commit: str
    committed_at: datetime.datetime
    folder: str = "."                           # the repository folder that was laid out
    files: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def nbgrader_timestamp(moment: datetime.datetime) -> str:
    """``moment`` as nbgrader writes ``timestamp.txt`` (its Exchange.timestamp_format, in UTC)."""
    from nbgrader.exchange.abc.exchange import Exchange
    return moment.astimezone(datetime.timezone.utc).strftime(Exchange.timestamp_format.default_value)


def list_tree(git: Git, git_dir: Path, commit: str) -> list[Entry]:
    out = git.run(["ls-tree", "-r", "-l", "-z", "--full-tree", commit], git_dir=git_dir)
    entries = []
    for record in out.split(b"\0"):
        if not record:
            continue
        meta, _, name = record.partition(b"\t")
        mode, _kind, sha, size = meta.decode().split()
        entries.append(Entry(PurePosixPath(name.decode("utf-8", "surrogateescape")), mode, sha,
                             int(size) if size.isdigit() else 0))
    return entries


def shown(path) -> str:
    """A student-chosen path for a report line: control characters (newlines...) become '?'."""
    return re.sub(r"[\x00-\x1f\x7f]", "?", str(path))


def _visible(path: PurePosixPath) -> bool:
    return not any(part.startswith(".") for part in path.parts)


def choose_folder(entries: list[Entry], notebook: str, assignment: str) -> PurePosixPath:
    """The folder of the repository that holds the submission (see the module docstring)."""
    notebooks = [e.path for e in entries if e.path.suffix == ".ipynb" and _visible(e.path)]
    named = [p for p in notebooks if p.name == notebook]
    pool = named or notebooks
    if not pool:
        return PurePosixPath(".")
    best = min(pool, key=lambda p: (len(p.parts), p.parent.name != assignment, str(p)))
    return best.parent


def select_files(entries: list[Entry], folder: PurePosixPath) -> tuple[list[tuple[Entry, PurePosixPath]], list[str]]:
    """(entry, path relative to ``folder``) to write, and what was left out and why."""
    chosen, skipped, total = [], [], 0
    for entry in entries:
        try:
            relative = entry.path.relative_to(folder) if str(folder) != "." else entry.path
        except ValueError:
            continue
        if not _visible(relative) or relative.name == "timestamp.txt":
            continue
        if entry.mode not in _REGULAR:
            skipped.append(f"{shown(relative)} (not a regular file)")
        elif entry.size > MAX_FILE_BYTES:
            skipped.append(f"{shown(relative)} (larger than {MAX_FILE_BYTES >> 20} MiB)")
        elif len(chosen) >= MAX_FILES or total + entry.size > MAX_TOTAL_BYTES:
            skipped.append(f"{shown(relative)} (over the limit of {MAX_FILES} files / {MAX_TOTAL_BYTES >> 20} MiB)")
        else:
            chosen.append((entry, relative))
            total += entry.size
    return chosen, skipped


def read_blobs(git: Git, git_dir: Path, shas: list[str]) -> dict[str, bytes]:
    """The contents of ``shas`` through one ``git cat-file --batch``."""
    if not shas:
        return {}
    unique = list(dict.fromkeys(shas))
    out = git.run(["cat-file", "--batch"], git_dir=git_dir, input=("\n".join(unique) + "\n").encode())
    blobs, pos = {}, 0
    for sha in unique:
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        size = int(header[2])
        blobs[sha] = out[end + 1:end + 1 + size]
        pos = end + 1 + size + 1
    return blobs


def commit_record(folder: Path) -> dict | None:
    try:
        data = json.loads((folder / bridge.SIDECAR / COMMIT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def lay_out(git: Git, git_dir: Path, snapshot: Snapshot, dest: Path, *, notebook: str, assignment: str,
            record: dict) -> None:
    """Replace ``dest`` by the files of ``snapshot.commit``, ``timestamp.txt`` and the commit record.

    Written next to ``dest`` first and swapped in, so an interrupted run never
    leaves a half-written submission.
    """
    from ..course.batch import remove_tree
    entries = list_tree(git, git_dir, snapshot.commit)
    folder = choose_folder(entries, notebook, assignment)
    files, snapshot.skipped = select_files(entries, folder)
    snapshot.folder = str(folder)
    blobs = read_blobs(git, git_dir, [entry.sha for entry, _ in files])
    incoming, old = dest.with_name(f".{dest.name}.incoming"), dest.with_name(f".{dest.name}.old")
    for stale in (incoming, old):
        remove_tree(stale)
    incoming.mkdir(parents=True)
    for entry, relative in files:
        target = incoming.joinpath(*relative.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(blobs[entry.sha])
        if entry.mode == "100755":
            target.chmod(0o755)
        os.utime(target, (snapshot.committed_at.timestamp(),) * 2)
    snapshot.files = sorted(str(relative) for _, relative in files)
    (incoming / "timestamp.txt").write_text(nbgrader_timestamp(snapshot.committed_at) + "\n")
    write_atomic(incoming / bridge.SIDECAR / COMMIT_FILE,
                 json.dumps({**record, "folder": snapshot.folder, "files": snapshot.files,
                             "skipped": snapshot.skipped}, ensure_ascii=False, indent=1) + "\n")
    if dest.exists():
        dest.rename(old)
    incoming.rename(dest)
    remove_tree(old)
