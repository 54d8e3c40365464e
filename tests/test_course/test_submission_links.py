"""Only regular files in a submission folder; only the release and grading's pages in a feedback folder.

The real nbgrader autograde / generate_feedback path is in test_nbgrader_cycle.py
(test_links_in_a_submission_never_reach_autograded_or_feedback); here each kind of entry, the
folder-level links, the notes, the feedback prune, the fail-closed hook and `nbgrader zip_collect`.
"""
from __future__ import annotations

import os
import socket
import stat

import pytest

from conftest import ASSIGNMENT, RELEASE_DIR, ROOT, copy_course, tool_env
from autograder.course import nbgrader_bridge as bridge
from autograder.course import plain_files
from autograder.course.plain_files import folder_is_unsafe, keep_regular_files, prune_feedback, replace_linked_folder
from autograder.course.repair import prepare_submission, read_notes

NB = f"{ASSIGNMENT}.ipynb"


@pytest.fixture
def secrets(tmp_path):
    """The instructor's files a submission might point at."""
    folder = tmp_path / "source" / "hidden_tests"
    folder.mkdir(parents=True)
    (folder / "test_secret.py").write_text("def test_secret(): assert answer == 42\n")
    (folder / "other.py").write_text("SECRET = 1\n")
    return folder


def plant(folder, secrets):
    """One of each kind of entry nbgrader must not copy, and the ones it may."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sub").mkdir()
    os.symlink(os.path.relpath(secrets / "test_secret.py", folder), folder / "relative.py")
    os.symlink(secrets / "other.py", folder / "sub" / "absolute.py")
    os.symlink(secrets, folder / "linked_dir", target_is_directory=True)
    os.symlink(folder / "nowhere", folder / "dangling.py")
    os.link(secrets / "test_secret.py", folder / "hard.py")
    os.mkfifo(folder / "fifo")
    with socket.socket(socket.AF_UNIX) as sock:
        here = os.getcwd()
        os.chdir(folder)              # a relative name: pytest's tmp paths can pass AF_UNIX's 108-byte limit
        try:
            sock.bind("sock")
        finally:
            os.chdir(here)
    (folder / "mine.py").write_text("x = 1\n")
    (folder / "sub" / "data.txt").write_text("data\n")
    os.link(folder / "mine.py", folder / "sub" / "mine_again.py")   # both names inside: kept
    return {"relative.py", "sub/absolute.py", "linked_dir", "dangling.py", "hard.py", "fifo", "sock"}


def listing(folder):
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")}


def test_everything_but_regular_files_goes_and_the_targets_stay(tmp_path, secrets):
    folder = tmp_path / "submitted" / "alice" / ASSIGNMENT
    odd = plant(folder, secrets)
    before = {p: p.read_bytes() for p in secrets.iterdir()}
    assert folder_is_unsafe(folder)
    assert set(keep_regular_files(folder)) == odd
    assert listing(folder) == {"mine.py", "sub", "sub/data.txt", "sub/mine_again.py"}
    assert {p: p.read_bytes() for p in secrets.iterdir()} == before       # nothing followed, nothing lost
    assert not folder_is_unsafe(folder) and keep_regular_files(folder) == []


def test_deep_folders_are_walked_too(tmp_path, secrets):
    folder = tmp_path / "s"
    folder.mkdir()
    fd = os.open(folder, os.O_RDONLY)
    for _ in range(1100):                             # deeper than Python's recursion limit (pathlib's mkdir
        os.mkdir("d", dir_fd=fd)                      # recurses too: one level at a time)
        fd, parent = os.open("d", os.O_RDONLY, dir_fd=fd), fd
        os.close(parent)
    os.symlink(secrets / "test_secret.py", "x.py", dir_fd=fd)
    os.close(fd)
    try:
        assert keep_regular_files(folder) == ["/".join(["d"] * 1100 + ["x.py"])]
    finally:   # pytest's own clean-up (shutil.rmtree) recurses: take the tree down here, bottom first
        for depth in range(1100, 0, -1):
            level = folder.joinpath(*["d"] * depth)
            for leftover in ("x.py",):
                if os.path.lexists(level / leftover):
                    os.unlink(level / leftover)
            os.rmdir(level)


@pytest.mark.skipif(os.geteuid() != 0, reason="mknod of a device needs root")
def test_a_device_file_goes(tmp_path):
    folder = tmp_path / "s"
    folder.mkdir()
    os.mknod(folder / "null", stat.S_IFCHR | 0o600, os.makedev(1, 3))
    assert keep_regular_files(folder) == ["null"] and listing(folder) == set()


def test_a_linked_submission_or_student_folder_becomes_an_empty_folder(tmp_path, secrets):
    top = tmp_path / "submitted"
    (top / "alice").mkdir(parents=True)
    os.symlink(secrets.parent, top / "alice" / ASSIGNMENT, target_is_directory=True)
    os.symlink(secrets.parent.parent, top / "bob", target_is_directory=True)
    for student in ("alice", "bob"):
        folder = top / student / ASSIGNMENT
        assert folder_is_unsafe(folder, top)
        assert replace_linked_folder(folder, top)
        assert folder.is_dir() and not folder.is_symlink() and listing(folder) == set()
    assert not (top / "bob").is_symlink() and (secrets / "test_secret.py").is_file()
    assert not replace_linked_folder(top / "alice" / ASSIGNMENT, top)


@pytest.mark.parametrize("lang, words", [("en", "were not regular files"), ("ko", "일반 파일이 아니어서")])
def test_the_student_is_told_in_their_language(tmp_path, secrets, lang, words):
    folder = tmp_path / "submitted" / "alice" / ASSIGNMENT
    folder.mkdir(parents=True)
    (folder / NB).write_bytes((RELEASE_DIR / NB).read_bytes())
    os.symlink(secrets / "test_secret.py", folder / "evil\nname.py")
    notes = prepare_submission(folder, RELEASE_DIR, lang, top=tmp_path / "submitted")
    assert len(notes) == 1 and words in notes[0] and "evil?name.py" in notes[0]
    assert read_notes(folder) == notes and prepare_submission(folder, RELEASE_DIR, lang) == notes   # once


def test_a_linked_notebook_is_graded_as_missing(tmp_path):
    folder = tmp_path / "submitted" / "alice" / ASSIGNMENT
    folder.mkdir(parents=True)
    os.symlink(ROOT / "source" / ASSIGNMENT / NB, folder / NB)       # the solutions
    notes = prepare_submission(folder, RELEASE_DIR, "en")
    assert (folder / NB).read_bytes() == (RELEASE_DIR / NB).read_bytes()
    assert any(NB in n and "not regular files" in n for n in notes) and any("No notebook" in n for n in notes)


def test_a_feedback_folder_keeps_only_the_release_and_the_pages(tmp_path, secrets):
    release = tmp_path / "release"
    (release / "data").mkdir(parents=True)
    for name in ("helpers.py", "data/x.csv", NB):
        (release / name).write_text(name)
    feedback = tmp_path / "feedback"
    (feedback / "data").mkdir(parents=True)
    (feedback / "extra").mkdir()
    for name in ("helpers.py", "data/x.csv", f"{ASSIGNMENT}.html", "timestamp.txt", "leak.py", "extra/more.py"):
        (feedback / name).write_text(name)
    os.symlink(secrets / "test_secret.py", feedback / "data" / "y.csv")
    (feedback / "data" / "x.csv").unlink()
    os.symlink(secrets / "test_secret.py", feedback / "data" / "x.csv")       # a link, even under a released name
    os.symlink(secrets, feedback / "tests", target_is_directory=True)
    removed = prune_feedback(feedback, release, {f"{ASSIGNMENT}.html", "timestamp.txt"})
    assert removed == ["data/x.csv", "data/y.csv", "extra/more.py", "leak.py", "tests"]
    assert listing(feedback) == {"helpers.py", f"{ASSIGNMENT}.html", "timestamp.txt"}   # emptied folders too
    assert (secrets / "test_secret.py").is_file()


def test_the_hook_stops_nbgrader_when_links_cannot_be_removed(tmp_path, secrets, monkeypatch):
    folder = tmp_path / "submitted" / "alice" / ASSIGNMENT
    folder.mkdir(parents=True)
    (folder / NB).write_bytes((RELEASE_DIR / NB).read_bytes())
    os.symlink(secrets / "test_secret.py", folder / "x.py")
    monkeypatch.chdir(tmp_path)

    def fails(*args, **kwargs):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(bridge, "prepare_submission", fails)
    with pytest.raises(SystemExit) as stopped:      # nbgrader catches Exception from a hook, not SystemExit
        bridge.prepare_hook(notebooks=[str(folder / NB)])
    message = str(stopped.value)
    assert "\n" not in message and "x.py" not in message and "remove them by hand" in message
    (folder / "x.py").unlink()
    with pytest.raises(PermissionError):            # a clean folder: any other failure is nbgrader's to log
        bridge.prepare_hook(notebooks=[str(folder / NB)])


def test_nbgrader_zip_collect_collects_regular_files_only(tmp_path):
    course = copy_course(tmp_path / "course")
    archive = course / "downloaded" / ASSIGNMENT / "archive"
    archive.mkdir(parents=True)
    (archive / f"alice_11_22_{NB}").write_bytes((RELEASE_DIR / NB).read_bytes())
    os.symlink(course / "source" / ASSIGNMENT / NB, archive / f"bob_33_44_{NB}")     # the solutions
    from warm_cli import module
    proc = module("nbgrader", "zip_collect", ASSIGNMENT, cwd=course, env=tool_env(tmp_path / "home"), timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    submitted = course / "submitted"
    assert (submitted / "alice" / ASSIGNMENT / NB).is_file()
    assert not (submitted / "bob").exists() and f"bob_33_44_{NB}" in proc.stderr
    assert (course / "source" / ASSIGNMENT / NB).is_file()


def test_batch_from_a_folder_copies_plain_notebooks_only(tmp_path, secrets):
    from autograder.course.batch import import_folder
    from autograder.config import get_assignment
    course = copy_course(tmp_path / "course")
    incoming = tmp_path / "incoming"
    (incoming / "carol").mkdir(parents=True)
    (incoming / "alice.ipynb").write_bytes((RELEASE_DIR / NB).read_bytes())
    os.symlink(course / "source" / ASSIGNMENT / NB, incoming / "bob.ipynb")            # the solutions
    os.symlink(course / "source" / ASSIGNMENT / NB, incoming / "carol" / NB)
    os.symlink(course / "source" / ASSIGNMENT, incoming / "dave", target_is_directory=True)
    lines = []
    assert import_folder(incoming, bridge.course_directory(course), get_assignment(ASSIGNMENT, course / "grading.yml"),
                         echo=lines.append) == 1
    assert sorted(p.name for p in (course / "submitted").iterdir()) == ["alice"]
    assert len(lines) == 3 and all("skipped" in line for line in lines)


def test_the_feedback_hook_stops_nbgrader_when_it_cannot_prune(tmp_path, monkeypatch):
    autograded = tmp_path / "autograded" / "alice" / ASSIGNMENT
    autograded.mkdir(parents=True)
    (autograded / NB).write_bytes((RELEASE_DIR / NB).read_bytes())
    monkeypatch.chdir(tmp_path)

    def fails(*args, **kwargs):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(plain_files, "prune_feedback", fails)
    with pytest.raises(SystemExit) as stopped:      # nbgrader would log an Exception and release the folder
        bridge.feedback_hook(notebooks=[str(autograded / NB)])
    assert "\n" not in str(stopped.value) and "do not release this feedback" in str(stopped.value)
