"""handover.py: what the grader writes under sudo goes to the user who ran sudo, and nothing else moves."""
from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from autograder import handover
from autograder.feedback.report import write_atomic

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="changing a file's owner needs root (CI runs as root)")
NOBODY = 65534


@pytest.fixture
def under_sudo(monkeypatch):
    monkeypatch.setenv("SUDO_UID", str(NOBODY))
    monkeypatch.setenv("SUDO_GID", str(NOBODY))


def _owner(path: Path) -> tuple[int, int]:
    info = path.lstat()
    return info.st_uid, info.st_gid


def test_write_atomic_under_sudo_hands_the_file_and_new_folders_over(tmp_path, under_sudo):
    target = tmp_path / "new" / "deeper" / "result.json"
    write_atomic(target, "{}\n")
    assert _owner(target) == (NOBODY, NOBODY)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600          # still nobody else's to read
    assert _owner(tmp_path / "new") == _owner(tmp_path / "new" / "deeper") == (NOBODY, NOBODY)
    assert _owner(tmp_path) == (0, 0)                             # a folder that existed stays as it was


@pytest.mark.parametrize("env", [{}, {"SUDO_UID": "0", "SUDO_GID": "0"}, {"SUDO_UID": "x", "SUDO_GID": "1"}])
def test_without_a_sudo_invoker_nothing_changes_owner(tmp_path, monkeypatch, env):
    for key in ("SUDO_UID", "SUDO_GID"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    write_atomic(tmp_path / "a" / "r.md", "x")
    assert _owner(tmp_path / "a" / "r.md") == _owner(tmp_path / "a") == (0, 0)


def test_hand_over_tree_never_follows_a_link_out_of_the_tree(tmp_path, under_sudo):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_text("instructor's")
    tree = tmp_path / "autograded"
    (tree / "alice").mkdir(parents=True)
    (tree / "alice" / "nb.ipynb").write_text("{}")
    (tree / "alice" / "link").symlink_to(outside / "secret")
    (tree / "alice" / "dirlink").symlink_to(outside)
    handover.hand_over_tree(tree)
    assert _owner(tree / "alice" / "nb.ipynb") == _owner(tree / "alice") == (NOBODY, NOBODY)
    assert _owner(tree / "alice" / "link") == (NOBODY, NOBODY)   # the link itself
    assert _owner(outside / "secret") == _owner(outside) == (0, 0)
