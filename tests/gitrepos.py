"""Local git repositories standing in for students' GitHub repositories (test helper)."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path


def git(*args: str, cwd: Path, date: str | None = None, home: Path) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(HOME=str(home), GIT_CONFIG_NOSYSTEM="1", GIT_AUTHOR_NAME="Student", GIT_AUTHOR_EMAIL="s@example.org",
               GIT_COMMITTER_NAME="Student", GIT_COMMITTER_EMAIL="s@example.org")
    if date:
        env.update(GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    proc = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def make_repo(bare: Path, commits: list[tuple[str, dict[str, bytes | str]]], home: Path) -> list[str]:
    """A bare repository whose default branch has ``commits`` (date, {path: content or 'symlink:target'})."""
    work = bare.with_name(bare.name + ".work")
    work.mkdir(parents=True)
    git("init", "-q", "-b", "main", cwd=work, home=home)
    shas = []
    for date, files in commits:
        for name, content in files.items():
            path = work / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, str) and content.startswith("symlink:"):
                path.symlink_to(content.removeprefix("symlink:"))
            else:
                path.write_bytes(content if isinstance(content, bytes) else content.encode())
        git("add", "-A", cwd=work, home=home)
        git("commit", "-q", "-m", f"work of {date}", cwd=work, date=date, home=home)
        shas.append(git("rev-parse", "HEAD", cwd=work, home=home))
    git("clone", "-q", "--bare", str(work), str(bare), cwd=work.parent, home=home)
    shutil.rmtree(work)
    return shas
