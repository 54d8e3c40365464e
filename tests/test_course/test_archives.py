"""LMS archives unpacked member by member: real crafted zip and tar files with unsafe members.

(The same through `autograder batch` and nbgrader zip_collect: tests/test_security/test_pipeline_attacks.py.)
"""
from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import pytest

from autograder.course.archives import ArchiveError, safe_relative_path, unpack

NOTEBOOK = b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'


def _tar(path: Path, members: list[tarfile.TarInfo | tuple[str, bytes]], mode: str = "w:gz") -> Path:
    with tarfile.open(path, mode) as archive:
        for member in members:
            if isinstance(member, tarfile.TarInfo):
                archive.addfile(member)
            else:
                info = tarfile.TarInfo(member[0])
                info.size = len(member[1])
                archive.addfile(info, io.BytesIO(member[1]))
    return path


def _link(name: str, target: str, kind: bytes) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    return info


def test_tar_links_traversal_devices_and_nested_archives_are_skipped(tmp_path):
    fifo = tarfile.TarInfo("pipe_1_1_a.ipynb")
    fifo.type = tarfile.FIFOTYPE
    nested = io.BytesIO()
    with zipfile.ZipFile(nested, "w") as inner:
        inner.writestr("x.ipynb", NOTEBOOK)
    archive = _tar(tmp_path / "moodle.tar.gz", [
        ("alice_11_assignsubmission_file_/cnn.ipynb", NOTEBOOK),
        ("bob_12_assignsubmission_file_/cnn.ipynb", NOTEBOOK),
        ("../../../escape.ipynb", NOTEBOOK),
        ("/etc/cron.d/evil", NOTEBOOK),
        _link("carol_13_assignsubmission_file_/cnn.ipynb", "/etc/shadow", tarfile.SYMTYPE),
        _link("dave_14_assignsubmission_file_/cnn.ipynb", "alice_11_assignsubmission_file_/cnn.ipynb",
              tarfile.LNKTYPE),
        fifo,
        ("erin_15_assignsubmission_file_/more.tar.gz", nested.getvalue()),
        ("frank_16_assignsubmission_file_/renamed.ipynb", nested.getvalue()),   # a zip by its content
    ])
    target = tmp_path / "out"
    result = unpack(archive, target)
    assert sorted(str(p.relative_to(target)) for p in result.files) == [
        "alice_11_assignsubmission_file_/cnn.ipynb", "bob_12_assignsubmission_file_/cnn.ipynb"]
    reasons = dict(result.skipped)
    assert "leaves the target" in reasons["../../../escape.ipynb"] and "leaves" in reasons["/etc/cron.d/evil"]
    assert "symbolic link" in reasons["carol_13_assignsubmission_file_/cnn.ipynb"]
    assert "hard link" in reasons["dave_14_assignsubmission_file_/cnn.ipynb"]
    assert "special file" in reasons["pipe_1_1_a.ipynb"]
    assert "archive inside" in reasons["erin_15_assignsubmission_file_/more.tar.gz"]
    assert "archive inside" in reasons["frank_16_assignsubmission_file_/renamed.ipynb"]
    assert not (tmp_path / "escape.ipynb").exists() and not any(p.is_symlink() for p in target.rglob("*"))


def test_zip_bomb_stops_at_the_total_cap_and_keeps_what_came_before(tmp_path):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a_1_1_x.ipynb", NOTEBOOK)
        for index in range(5):
            archive.writestr(f"zeros_{index}.ipynb", b"\0" * (3 << 20))     # 3 MiB each, ~3 KiB compressed
        archive.writestr("z_1_2_x.ipynb", NOTEBOOK)
    result = unpack(path, tmp_path / "out", max_member_bytes=4 << 20, max_total_bytes=8 << 20)
    names = [p.name for p in result.files]
    assert names[:1] == ["a_1_1_x.ipynb"] and "z_1_2_x.ipynb" in names     # small members still come through
    assert sum(p.stat().st_size for p in result.files) <= 8 << 20
    assert [n for n, why in result.skipped if "more than 8 MiB" in why] == ["zeros_2.ipynb", "zeros_3.ipynb",
                                                                               "zeros_4.ipynb"]


def test_a_member_that_lies_about_its_size_is_cut_at_the_cap(tmp_path):
    path = tmp_path / "liar.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("big.ipynb", b"x" * (2 << 20))
    data = bytearray(path.read_bytes())
    # Rewrite the declared uncompressed size (local header and central directory) to 10 bytes.
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = data.index(signature)
        data[start + offset:start + offset + 4] = (10).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    result = unpack(path, tmp_path / "out", max_member_bytes=1 << 20)
    assert result.files == [] and result.skipped and result.skipped[0][0] == "big.ipynb"
    assert not (tmp_path / "out" / "big.ipynb").exists()


@pytest.mark.parametrize("name, safe", [
    ("a/b.ipynb", "a/b.ipynb"), ("./a.ipynb", "a.ipynb"), ("a\\..\\..\\b", None), ("C:/x", None),
    ("/abs", None), ("..", None), ("", None), ("a/../b", None),
])
def test_member_paths(name, safe):
    result = safe_relative_path(name)
    assert (str(result) if result else None) == safe


def test_not_an_archive_is_one_clear_error(tmp_path):
    path = tmp_path / "grades.csv"
    path.write_text("student,score\n")
    with pytest.raises(ArchiveError, match="not a zip or tar archive"):
        unpack(path, tmp_path / "out")
