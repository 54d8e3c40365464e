"""The spare worker of batch grading processes (autograder.sandbox.session.keep_spare_worker).

What must hold: the spare is a fresh worker that no submission has touched,
it serves only a session with the same settings, and it never outlives its use.
"""
from __future__ import annotations

import os

import pytest

from autograder.sandbox import session as session_module
from autograder.sandbox.session import Limits, WorkerSession, keep_spare_worker

LIMITS = Limits(call_timeout_s=5, load_timeout_s=15)
# The first submission leaves traces in its worker: a file in its folder, a module-level value,
# and a process of its own that keeps running.
LEAVES_TRACES = ["import os, subprocess, sys\nopen('trace.txt', 'w').write('A')\nSECRET = 'from A'\n"
                 "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])"]
LOOKS = ["import os\ndef look():\n    return [os.path.exists('trace.txt'), 'SECRET' in globals(), os.getpid()]"]


@pytest.fixture
def spare():
    keep_spare_worker(True)
    yield
    keep_spare_worker(False)


def _spare_pid():
    return session_module._spare[1].proc.pid if session_module._spare else None


def test_the_next_session_gets_a_fresh_spare_and_a_new_one_is_started(spare):
    with WorkerSession(LEAVES_TRACES, limits=LIMITS) as first:
        assert first.start().cells[0].status == "ok"
        ready = _spare_pid()
        assert ready is not None and ready != first._wp.proc.pid
    with WorkerSession(LOOKS, limits=LIMITS) as second:
        second.start()
        assert second._wp.proc.pid == ready                     # the spare was used...
        trace, secret, _ = second.call("look").value
        assert trace is False and secret is False               # ...and nothing of the first one is in it
        assert _spare_pid() not in (None, ready)                # and the next one is on its way


def test_a_spare_started_with_other_settings_is_not_used(spare):
    with WorkerSession(["x = 1"], limits=LIMITS) as first:
        first.start()
    ready = _spare_pid()
    other = Limits(call_timeout_s=5, load_timeout_s=15, memory_mb=LIMITS.memory_mb // 2)
    with WorkerSession(LOOKS, limits=other) as second:
        second.start()
        assert second._wp.proc.pid != ready
    with pytest.raises(ProcessLookupError):
        os.kill(ready, 0)                                       # the unsuitable spare was killed


def test_turning_spares_off_kills_the_spare():
    keep_spare_worker(True)
    with WorkerSession(["x = 1"], limits=LIMITS) as first:
        first.start()
    ready = _spare_pid()
    keep_spare_worker(False)
    assert session_module._spare is None
    with pytest.raises(ProcessLookupError):
        os.kill(ready, 0)


def test_without_spares_no_worker_is_started_ahead():
    with WorkerSession(["x = 1"], limits=LIMITS) as first:
        first.start()
    assert session_module._spare is None


def test_the_worker_that_answered_the_probe_serves_the_first_submission(monkeypatch):
    """Counted: a process that has not probed yet starts one worker for its first submission, not a trial
    worker and then another; the worker that answered the probe runs the notebook."""
    from autograder.sandbox import launch
    monkeypatch.setattr(launch, "_probe_cache", {})             # as in a new grading process
    started = []
    real_init = launch.WorkerProcess.__init__

    def counting_init(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        started.append(self.proc.pid)
    monkeypatch.setattr(launch.WorkerProcess, "__init__", counting_init)
    with WorkerSession(LOOKS, limits=LIMITS) as first:
        assert first.start().cells[0].status == "ok"
        assert started == [first._wp.proc.pid]
        assert first.call("look").value[:2] == [False, False]
        assert first.level == launch.probe()                    # and the level is the probed one
    assert session_module._spare is None                         # nothing started ahead: spares are off
    with WorkerSession(LOOKS, limits=LIMITS) as second:          # probed now: the next one starts its own
        second.start()
        assert len(started) == 2 and second._wp.proc.pid == started[1]


def test_a_forked_child_neither_uses_nor_kills_its_parents_spare(spare):
    with WorkerSession(["x = 1"], limits=LIMITS) as first:
        first.start()
    ready = _spare_pid()
    assert ready is not None
    child = os.fork()
    if child == 0:                                               # the child: no spare of its own
        os._exit(0 if session_module._spare is None else 1)
    assert os.waitstatus_to_exitcode(os.waitpid(child, 0)[1]) == 0
    with WorkerSession(LOOKS, limits=LIMITS) as second:          # the parent's spare is alive and used
        second.start()
        assert second._wp.proc.pid == ready


def test_settings_no_worker_starts_under_leave_the_probed_level_as_it_was(monkeypatch):
    """The level is judged with the probe's own settings: an assignment whose memory limit no worker can
    start under gets the level probe() finds (its submissions then fail to load, each with a note), not
    "no sandbox level works"; and no worker is kept."""
    from autograder.sandbox import launch
    monkeypatch.setattr(launch, "_probe_cache", {})
    assert session_module.probed_level(Limits(memory_mb=20)) == launch.probe()
    assert session_module._spare is None
