"""Two `autograder batch` runs on one course: the second refuses (or waits a bounded time) with one line."""
from __future__ import annotations

import fcntl
import subprocess
import sys

import pytest

import warm_cli

from conftest import ASSIGNMENT, ROOT, copy_course, tool_env
from autograder.course.course_lock import LOCK_FILE, CourseBusy, course_lock

HOLDER = "`autograder batch cnn_step_by_step` (pid 4242, started 2026-12-05 23:00:00 UTC)"


def hold(folder, shared=False, line=HOLDER):
    """The lock as another run holds it: its own open file description, as another process's would be."""
    handle = open(folder / LOCK_FILE, "a+", encoding="utf-8")
    fcntl.flock(handle, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
    handle.seek(0)
    handle.truncate()
    handle.write(line + "\n")
    handle.flush()
    return handle


class Clock:
    """A clock that moves only when the lock loop sleeps: counts the probes, no real waiting."""

    def __init__(self):
        self.now, self.sleeps = 100.0, []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def test_a_held_course_refuses_at_once_naming_the_holder(tmp_path):
    holder = hold(tmp_path)
    clock = Clock()
    with pytest.raises(CourseBusy) as caught:
        with course_lock(tmp_path, "batch x", clock=clock, sleep=clock.sleep):
            pytest.fail("entered a course another run holds")
    message = str(caught.value)
    assert "\n" not in message and HOLDER in message and "--wait" in message
    assert clock.sleeps == []                                # no waiting unless asked
    holder.close()
    with course_lock(tmp_path, "batch x") as path:           # free again: taken at once
        assert "`autograder batch x` (pid" in path.read_text()


def test_waiting_is_bounded_and_polls(tmp_path):
    holder = hold(tmp_path)
    clock = Clock()
    with pytest.raises(CourseBusy, match="after waiting 2 s"):
        with course_lock(tmp_path, "batch x", wait=2.0, clock=clock, sleep=clock.sleep):
            pass
    assert sum(clock.sleeps) == pytest.approx(2.0) and len(clock.sleeps) == 8   # every 0.25 s, then gives up
    holder.close()


def test_a_wait_ends_as_soon_as_the_holder_lets_go(tmp_path):
    holder = hold(tmp_path)
    clock = Clock()

    def sleep(seconds):
        clock.sleep(seconds)
        if len(clock.sleeps) == 3:
            holder.close()
    with course_lock(tmp_path, "batch x", wait=60, clock=clock, sleep=sleep):
        pass
    assert len(clock.sleeps) == 3


def test_shards_share_the_course_but_not_with_a_full_batch(tmp_path):
    shard = hold(tmp_path, shared=True, line="`autograder batch a` (shard 1/2)")
    with course_lock(tmp_path, "batch a --shard 2/2", shared=True):      # alongside shard 1/2
        with pytest.raises(CourseBusy, match="shard 2/2"):               # the latest holder is named
            with course_lock(tmp_path, "batch a"):
                pass
    with pytest.raises(CourseBusy):
        with course_lock(tmp_path, "batch a"):
            pass
    shard.close()
    full = hold(tmp_path)
    with pytest.raises(CourseBusy):
        with course_lock(tmp_path, "batch a", shared=True):
            pass
    full.close()


def test_the_lock_goes_with_a_killed_holder(tmp_path):
    code = ("import sys; from autograder.course.course_lock import course_lock\n"
            "with course_lock(sys.argv[1], 'batch x'):\n    print('held', flush=True); sys.stdin.read()\n")
    proc = subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], cwd=ROOT, env=tool_env(),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "held"
        with pytest.raises(CourseBusy, match=rf"pid {proc.pid}\b"):
            with course_lock(tmp_path, "batch y"):
                pass
    finally:
        proc.kill()
        proc.wait()
    with course_lock(tmp_path, "batch y"):                  # no stale lock left behind
        pass


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return copy_course(tmp_path_factory.mktemp("lock") / "course")


def batch(course, *args):
    return warm_cli.autograder("batch", ASSIGNMENT, "--course", str(course), *args, cwd=ROOT, env=tool_env(),
                               timeout=300)


@pytest.mark.parametrize("args, waited", [((), ""), (("--wait", "0.3"), "after waiting 0.3 s")])
def test_a_second_batch_process_refuses_with_one_line(course, args, waited):
    holder = hold(course)
    try:
        proc = batch(course, *args)
    finally:
        holder.close()
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert HOLDER in lines[0] and waited in lines[0]
    assert not (course / "results").exists() and not (course / "submitted").exists()   # touched nothing


def test_without_a_holder_the_batch_goes_past_the_lock(course):
    proc = batch(course)        # no release, no gradebook in this copy: it stops there, not at the lock
    assert proc.returncode != 0 and "still running" not in proc.stderr
    assert "generate_assignment" in proc.stderr or "not found" in proc.stderr, proc.stderr
