"""``autograder collect-repos``: every student's repository at the deadline, as nbgrader submissions.

For each roster row: fetch the repository's default branch (or ``--branch``)
into our own bare cache (``downloaded/<assignment>/repos/<student>.git``, so a
re-run fetches only what is new), walk its first-parent history from the tip
and take the first commit whose committer date is at or before the deadline,
and lay that commit out as ``submitted/<student>/<assignment>/`` with
``timestamp.txt`` = its commit time (nbgrader's format) and the commit recorded
in ``.autograder/commit.json``.  ``autograder batch`` and nbgrader take over
from there.

Committer dates are written by the student's machine and can be forged (or
simply be from a commit made before the deadline and pushed after it).
Collecting on schedule at the deadline, without ``--deadline``, takes the
branch tip as it is then and relies on no date.

Every roster row ends as a row of ``results/<assignment>/collected.csv``:
collected, unchanged (same commit as last time, left alone), or a note (no
repository, refused URL, unreachable, empty, no commit before the deadline).
A repository that is unreachable this time keeps the submission collected
before, if any; the other notes remove it (it does not belong to this deadline).
"""
from __future__ import annotations

import csv
import datetime
import io
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..feedback.report import write_atomic
from .gitcmd import Git, GitError, check_url, display_url
from .roster import Student
from .snapshot import Snapshot, commit_record, lay_out, shown

COLUMNS = ["student_id", "repository", "branch", "commit", "committed_at", "deadline", "status", "note"]
COLLECTED_CSV = "collected.csv"


class CollectError(Exception):
    """Collection cannot start (bad deadline, course, ...); ``str()`` is one line."""


@dataclass
class Row:
    student_id: str
    repository: str
    branch: str = ""
    commit: str = ""
    committed_at: str = ""
    deadline: str = ""
    status: str = ""
    note: str = ""

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in COLUMNS}


def parse_deadline(text: str) -> datetime.datetime:
    """An ISO 8601 time with a UTC offset (``2026-12-01T23:59:00+09:00``, ``...Z``)."""
    try:
        moment = datetime.datetime.fromisoformat(text.strip())
    except ValueError:
        raise CollectError(f"--deadline {text!r} is not an ISO 8601 time such as 2026-12-01T23:59:00+09:00") from None
    if moment.tzinfo is None:
        raise CollectError(f"--deadline {text!r} has no time zone: add one, e.g. {text}+09:00 or {text}Z")
    return moment


def _iso(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


class Collector:
    def __init__(self, git: Git, cache: Path, submitted_folder, assignment, deadline: datetime.datetime | None,
                 branch: str | None):
        self.git, self.cache, self.submitted_folder = git, cache, submitted_folder
        self.assignment, self.deadline, self.branch = assignment, deadline, branch

    def collect(self, student: Student) -> Row:
        row = Row(student.student_id, display_url(student.repo_url),
                  deadline=_iso(self.deadline) if self.deadline else "")
        dest: Path = self.submitted_folder(student.student_id)
        try:
            self._collect(student, row, dest)
        except GitError as exc:
            row.status, row.note = "unreachable", f"git: {str(exc).replace(student.repo_url, row.repository)}"
            previous = commit_record(dest)
            if previous:
                row.commit, row.committed_at = previous.get("commit", ""), previous.get("committed_at", "")
                row.note += f"; kept the submission collected before (commit {row.commit[:12]})"
        except OSError as exc:   # this student's files could not be written: the others still are
            row.status, row.note = "error", f"cannot lay out the submission: {exc.strerror or exc}"
        return row

    def _drop(self, row: Row, dest: Path, status: str, note: str) -> None:
        from ..course.batch import remove_tree
        row.status, row.note = status, note
        if commit_record(dest) is not None:   # laid out by an earlier collection: not a submission any more
            remove_tree(dest)

    def _collect(self, student: Student, row: Row, dest: Path) -> None:
        url = student.repo_url
        if not url:
            return self._drop(row, dest, "no_repository", "no repository in the roster")
        refused = check_url(url)
        if refused:
            return self._drop(row, dest, "refused", refused)
        git_dir = self.cache / f"{student.student_id}.git"
        if not (git_dir / "HEAD").is_file():
            git_dir.mkdir(parents=True, exist_ok=True)
            self.git.run(["init", "--bare", "--quiet", str(git_dir)])
        refs = self._remote_refs(url, git_dir)
        branch = self.branch or refs.get("HEAD", "")
        if not refs or f"refs/heads/{branch}" not in refs:
            others = sorted(r.removeprefix("refs/heads/") for r in refs if r.startswith("refs/heads/"))
            note = "empty repository (nothing pushed)" if not others else (
                f"no branch '{branch or '(default)'}' (branches: {', '.join(others[:5])})")
            return self._drop(row, dest, "empty", note)
        row.branch = branch
        self.git.run(["fetch", "--quiet", "--no-tags", "--no-recurse-submodules", "--no-write-fetch-head", url,
                      f"+refs/heads/{branch}:refs/collect/tip"], git_dir=git_dir, url=url)
        history = self.git.run(["rev-list", "--first-parent", "--timestamp", "refs/collect/tip"], git_dir=git_dir)
        chosen = None
        for line in history.decode().splitlines():
            stamp, sha = line.split()
            moment = datetime.datetime.fromtimestamp(int(stamp), datetime.timezone.utc)
            if self.deadline is None or moment <= self.deadline:
                chosen = (sha, moment)
                break
        if chosen is None:
            return self._drop(row, dest, "no_commit_before_deadline",
                              f"no commit on '{branch}' at or before {_iso(self.deadline)}")
        sha, moment = chosen
        row.commit, row.committed_at = sha, _iso(moment)
        previous = commit_record(dest)
        if previous and previous.get("commit") == sha and (dest / self.assignment.notebook).exists():
            row.status, row.note = "unchanged", "same commit as the last collection"
            return
        snapshot = Snapshot(sha, moment)
        record = {"repository": row.repository, "branch": branch, "commit": sha, "committed_at": row.committed_at,
                  "deadline": _iso(self.deadline) if self.deadline else None,
                  "collected_at": _iso(datetime.datetime.now(datetime.timezone.utc))}
        lay_out(self.git, git_dir, snapshot, dest, notebook=self.assignment.notebook,
                assignment=self.assignment.name, record=record)
        row.status = "collected"
        notes = []
        if not any(name.endswith(".ipynb") for name in snapshot.files):
            notes.append("no notebook in the repository")
        if snapshot.folder != ".":
            notes.append(f"from folder {shown(snapshot.folder)}/")
        if snapshot.skipped:
            notes.append(f"left out {len(snapshot.skipped)} file(s): {'; '.join(snapshot.skipped[:3])}")
        row.note = "; ".join(notes)

    def _remote_refs(self, url: str, git_dir: Path) -> dict[str, str]:
        """{ref: sha} of the remote's branches, plus "HEAD": the default branch's name."""
        out = self.git.run(["ls-remote", "--symref", url, "HEAD", "refs/heads/*"], git_dir=git_dir, url=url)
        refs: dict[str, str] = {}
        for line in out.decode("utf-8", "replace").splitlines():
            left, _, name = line.partition("\t")
            if left.startswith("ref: ") and name == "HEAD":
                refs["HEAD"] = left[5:].removeprefix("refs/heads/")
            elif name.startswith("refs/heads/"):
                refs[name] = left
        return refs


def collect_repos(course_root: str | Path, students: list[Student], assignment, *,
                  deadline: datetime.datetime | None = None, token: str | None = None, branch: str | None = None,
                  jobs: int = 4, timeout: float = 300.0, echo=print) -> tuple[list[Row], Path]:
    """Collect every student's repository; the rows and the path of ``collected.csv``."""
    from ..course import nbgrader_bridge as bridge
    root = Path(course_root).resolve()
    coursedir = bridge.course_directory(root)
    cache = root / "downloaded" / assignment.name / "repos"
    git = Git(token, timeout)

    def submitted(student_id: str) -> Path:
        return Path(coursedir.format_path(coursedir.submitted_directory, student_id, assignment.name))

    collector = Collector(git, cache, submitted, assignment, deadline, branch)
    echo(f"collecting {len(students)} repositories of {assignment.name}"
         + (f" at the deadline {_iso(deadline)}" if deadline else " (branch tips, no deadline)"))
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        rows = list(pool.map(collector.collect, students))
    for row in rows:
        echo(f"  {row.student_id:<20} {row.status:<26} {row.commit[:12]:<12} {row.committed_at:<20} "
             f"{git.scrub(row.note)}")
    out = root / bridge.RESULTS_DIR / assignment.name / COLLECTED_CSV
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: git.scrub(v) for k, v in row.as_dict().items()} for row in rows)
    write_atomic(out, buffer.getvalue())
    return rows, out
