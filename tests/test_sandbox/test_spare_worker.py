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
