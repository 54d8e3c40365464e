"""``autograder hand-back``: each student's feedback as a commit on a branch of their repository.

The branch (default ``autograder-feedback``; classroom50 keeps ``feedback`` for
its frozen review base, so that name is left alone) holds one folder per
assignment: ``<assignment>/FEEDBACK.md`` (the engine's report, which GitHub
renders, under a bilingual line naming the graded commit) and
``<assignment>/feedback.html`` (nbgrader's feedback page, when there is one).
Other assignments' folders on the branch are kept.  The commit is built in our
own bare repository without a checkout and pushed without force: if someone
else moved the branch meanwhile the push fails for that student, with a note.
Nothing is pushed when the feedback is unchanged.
"""
from __future__ import annotations

import datetime
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..course import nbgrader_bridge as bridge
from ..feedback.report import render
from ..results import GradeResult
from .gitcmd import Git, GitError, check_url
from .roster import Student
from .snapshot import commit_record

_IDENTITY = {"GIT_AUTHOR_NAME": "autograder", "GIT_AUTHOR_EMAIL": "autograder@localhost",
             "GIT_COMMITTER_NAME": "autograder", "GIT_COMMITTER_EMAIL": "autograder@localhost"}


class HandBackError(Exception):
    """Hand-back cannot start; ``str()`` is one line."""


@dataclass
class Row:
    student_id: str
    status: str
    note: str = ""


def feedback_files(course_root: Path, coursedir, assignment, student: str) -> dict[str, bytes] | None:
    """{path on the branch: content} for one student, or None when the student has no result."""
    results = course_root / bridge.RESULTS_DIR / assignment.name
    result = bridge.load_result(results / f"{student}.json")
    if result is None:
        return None
    stored = results / f"{student}.md"
    report = stored.read_text(encoding="utf-8") if stored.is_file() else render(GradeResult.from_dict(result),
                                                                                 "markdown")
    origin = commit_record(Path(coursedir.format_path(coursedir.submitted_directory, student, assignment.name)))
    if origin:
        sha, when = origin.get("commit", "")[:12], origin.get("committed_at", "")
        header = (f"Graded commit `{sha}` ({when}) of branch `{origin.get('branch', '')}`.  \n"
                  f"채점한 커밋: `{sha}` ({when}), 브랜치 `{origin.get('branch', '')}`.\n\n")
    else:
        header = ""
    files = {f"{assignment.name}/FEEDBACK.md": (header + report).encode("utf-8")}
    page = Path(coursedir.format_path(coursedir.feedback_directory, student, assignment.name)) / (
        Path(assignment.notebook).stem + ".html")
    if page.is_file():
        files[f"{assignment.name}/feedback.html"] = page.read_bytes()
    return files


def publish(git: Git, git_dir: Path, url: str, branch: str, files: dict[str, bytes], message: str) -> str:
    """Commit ``files`` on top of ``branch`` of ``url`` and push; 'published' or 'unchanged'."""
    if not (git_dir / "HEAD").is_file():
        git_dir.mkdir(parents=True, exist_ok=True)
        git.run(["init", "--bare", "--quiet", str(git_dir)])
    listing = git.run(["ls-remote", url, f"refs/heads/{branch}"], git_dir=git_dir, url=url).decode().split()
    parent = listing[0] if listing else None
    if parent:
        git.run(["fetch", "--quiet", "--no-tags", "--no-write-fetch-head", url,
                 f"+refs/heads/{branch}:refs/handback/base"], git_dir=git_dir, url=url)
    with tempfile.TemporaryDirectory(prefix="autograder-handback-") as tmp:
        env = {"GIT_INDEX_FILE": str(Path(tmp) / "index"), **_IDENTITY}
        git.run(["read-tree", parent] if parent else ["read-tree", "--empty"], git_dir=git_dir, extra_env=env)
        for path, content in sorted(files.items()):
            blob = git.run(["hash-object", "-w", "--stdin"], git_dir=git_dir, input=content).decode().strip()
            git.run(["update-index", "--add", "--cacheinfo", f"100644,{blob},{path}"], git_dir=git_dir, extra_env=env)
        tree = git.run(["write-tree"], git_dir=git_dir, extra_env=env).decode().strip()
    if parent and git.run(["rev-parse", f"{parent}^{{tree}}"], git_dir=git_dir).decode().strip() == tree:
        return "unchanged"
    commit = git.run(["commit-tree", tree, *(["-p", parent] if parent else []), "-m", message],
                     git_dir=git_dir, extra_env=_IDENTITY).decode().strip()
    git.run(["push", "--quiet", "--no-verify", url, f"{commit}:refs/heads/{branch}"], git_dir=git_dir, url=url)
    return "published"


def hand_back(course_root: str | Path, students: list[Student], assignment, *, token: str | None = None,
              branch: str = "autograder-feedback", timeout: float = 120.0, echo=print) -> list[Row]:
    if not branch or branch.startswith("-") or any(c in branch for c in " ~^:?*[\\") or ".." in branch:
        raise HandBackError(f"--branch {branch!r} is not a usable branch name")
    root = Path(course_root).resolve()
    coursedir = bridge.course_directory(root)
    git = Git(token, timeout)
    cache = root / "downloaded" / assignment.name / "repos"
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    message = f"Feedback on {assignment.name} ({stamp}) / {assignment.name} 채점 결과"
    rows = []
    for student in students:
        files = feedback_files(root, coursedir, assignment, student.student_id)
        if files is None:
            row = Row(student.student_id, "no_result", "not graded: nothing to hand back")
        elif not student.repo_url or check_url(student.repo_url):
            row = Row(student.student_id, "no_repository", check_url(student.repo_url) or "no repository")
        else:
            try:
                row = Row(student.student_id, publish(git, cache / f"{student.student_id}.git", student.repo_url,
                                                      branch, files, message))
            except GitError as exc:
                row = Row(student.student_id, "failed", f"git: {exc}")
        echo(f"  {row.student_id:<20} {row.status:<14} {git.scrub(row.note)}")
        rows.append(row)
    return rows
