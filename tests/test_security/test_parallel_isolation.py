"""Parallel workers under L1 each run as their own uid; a forced sandbox level that cannot run is one line.

The isolation test grades two submissions at once through the batch's worker pool at plain L1: the
victim keeps a secret in its workspace and its memory and stays alive a few seconds; the attacker finds
the victim's worker process and tries to read its workspace files and /proc/<pid>/environ, mem and cwd,
to ptrace it and to kill it.  Everything must be refused, and the victim graded fully.  With one
shared uid (the previous design) all of it succeeds.

Plain L1 needs an interpreter the worker uids can reach; where it lives under a private folder (a
mode-700 /root, as on this project's machine) the test runs in a private mount namespace in which
that folder is replaced by a traversable one holding only the interpreter's tree.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell

from conftest import ASSIGNMENT, ROOT, SOLUTION_DIR, tool_env
from autograder.sandbox import levels
from autograder.sandbox import slots

NB = f"{ASSIGNMENT}.ipynb"

VICTIM = '''
import os, time
secret = "VICTIM-" + "SECRET-42"
open("victim-secret.txt", "w").write(secret)
time.sleep(8)          # stay alive while the other submission is graded
'''

ATTACKER = r'''
import ctypes, json, os, signal, time
me, found, deadline = os.getpid(), None, time.time() + 12
while found is None and time.time() < deadline:
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            owner = os.stat(f"/proc/{pid}").st_uid
            cmd = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")
        except (OSError, ValueError):
            continue
        if int(pid) != me and owner in SLOT_UIDS and any(c.endswith(b"/prog/worker.py") for c in cmd):
            found, program = int(pid), next(c for c in cmd if c.endswith(b"worker.py")).decode()
            break
    time.sleep(0.1)
report = {"found": found is not None}
time.sleep(1.5)        # let the victim write its secret first
def attempt(name, action):
    try:
        action()
        report[name] = "OK"
    except Exception as exc:
        report[name] = type(exc).__name__
if found:
    work = os.path.join(os.path.dirname(os.path.dirname(program)), "work")
    libc = ctypes.CDLL(None, use_errno=True)
    def ptrace():
        if libc.ptrace(16, found, 0, 0) != 0:   # PTRACE_ATTACH
            raise PermissionError(ctypes.get_errno())
    attempt("environ", lambda: open(f"/proc/{found}/environ", "rb").read())
    attempt("mem", lambda: open(f"/proc/{found}/mem", "rb").read(1))
    attempt("cwd", lambda: os.listdir(f"/proc/{found}/cwd"))
    attempt("files", lambda: open(os.path.join(work, "victim-secret.txt")).read())
    attempt("listing", lambda: os.listdir(work))
    attempt("ptrace", ptrace)
    attempt("kill", lambda: os.kill(found, signal.SIGKILL))
raise RuntimeError("REPORT" + json.dumps(report, separators=(",", ":")))
'''

SCENARIO = '''
import json, sys
from pathlib import Path
from autograder.course.grading_pool import grade_in_parallel
tasks = [{"id": sid, "notebook": path, "assignment": "%s", "config": "%s", "lang": "en", "level": "L1",
          "notes": []} for sid, path in json.loads(sys.argv[1]).items()]
replies = {}
grade_in_parallel(tasks, 2, 240, Path(sys.argv[2]), lambda task, reply, s: replies.__setitem__(task["id"], reply))
print("REPLIES" + json.dumps(replies))
'''


def _with_cell(source: str, dest: Path) -> Path:
    source = source.replace("SLOT_UIDS", repr(slots.uid_range()))   # other sessions' workers are not the victim
    nb = nbformat.read(SOLUTION_DIR / NB, as_version=4)
    nb.cells.insert(4, new_code_cell(source))
    nbformat.write(nb, dest)
    return dest


def _namespace_prefix(tmp: Path) -> list[str]:
    """Run in a mount namespace where the folder hiding the interpreter is traversable (see module doc)."""
    blocked = next((levels._unreachable(p) for p in levels.interpreter_paths() if levels._unreachable(p)), None)
    if blocked is None:
        return []
    folder = blocked[0]
    if not shutil.which("unshare"):
        pytest.skip(f"plain L1 cannot reach the interpreter here ({folder} is private) and unshare is missing")
    inside = next(p for p in levels.interpreter_paths() if folder in Path(os.path.realpath(p)).parents)
    child = Path(os.path.realpath(inside)).relative_to(folder).parts[0]
    keep = tmp / "keep"
    keep.mkdir()
    script = (f"mount --bind '{folder / child}' '{keep}' && mount -t tmpfs -o mode=0755 tmpfs '{folder}' && "
              f"mkdir '{folder / child}' && mount --move '{keep}' '{folder / child}' && exec \"$@\"")
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh"]


def test_workers_graded_at_once_cannot_read_signal_or_trace_each_other(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("plain L1 needs root: run the tests as root to check worker isolation")
    notebooks = {"victim": str(_with_cell(VICTIM, tmp_path / "victim.ipynb")),
                 "attacker": str(_with_cell(ATTACKER, tmp_path / "attacker.ipynb"))}
    scenario = tmp_path / "scenario.py"
    scenario.write_text(SCENARIO % (ASSIGNMENT, ROOT / "grading.yml"))
    for path in notebooks.values():
        os.chmod(path, 0o644)
    proc = subprocess.run([*_namespace_prefix(tmp_path), sys.executable, str(scenario), json.dumps(notebooks),
                           str(tmp_path / "batch.log")], cwd=ROOT, env=tool_env(), capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0 and "REPLIES" in proc.stdout, proc.stderr[-3000:]
    replies = json.loads(proc.stdout.split("REPLIES", 1)[1])
    victim, attacker = replies["victim"]["result"], replies["attacker"]["result"]
    assert victim["sandbox"] == attacker["sandbox"] == "L1"
    assert victim["score"] == victim["max_score"], victim["notes"]          # unaffected, graded fully
    assert not any("died" in note or "Crash" in note for note in victim["notes"]), victim["notes"]
    note = next((n for n in attacker["notes"] if "REPORT" in n), None)
    assert note, (attacker["notes"], victim["notes"])
    report = json.loads(note.split("REPORT", 1)[1].split("}", 1)[0] + "}")
    assert report.pop("found") is True, "the attacker did not see the other worker: nothing was tested"
    assert report == {key: report[key] for key in ("environ", "mem", "cwd", "files", "listing", "ptrace", "kill")}
    assert all(outcome == "PermissionError" for outcome in report.values()), (report, note)


def test_each_worker_slot_is_its_own_unmapped_uid():
    if os.geteuid() != 0:
        pytest.skip("uid slots are used only as root")
    first, second = slots.acquire(), slots.acquire()
    try:
        assert first.uid != second.uid
        assert {first.uid, second.uid} <= set(slots.uid_range())
        assert slots.is_unmapped(first.uid) and slots.is_unmapped(second.uid)
    finally:
        first.release()
    third = slots.acquire()          # the freed uid is used again
    try:
        assert third.uid == first.uid
    finally:
        second.release()
        third.release()
    assert not slots.is_unmapped(0)  # root is an account: such a uid is never handed out


def test_l1_names_the_unreachable_interpreter(monkeypatch):
    base = Path(tempfile.mkdtemp(prefix="l1-interpreter-"))   # not under pytest's private tmp folder
    base.chmod(0o755)
    try:
        _check_interpreter_under(base / "private", monkeypatch)
    finally:
        shutil.rmtree(base)


def _check_interpreter_under(private: Path, monkeypatch) -> None:
    (private / "python" / "bin").mkdir(parents=True)
    interpreter = private / "python" / "bin" / "python3"
    interpreter.write_text("")
    interpreter.chmod(0o755)
    private.chmod(0o700)
    monkeypatch.setattr(levels, "interpreter_paths", lambda: [interpreter])
    monkeypatch.setattr(levels.os, "geteuid", lambda: 0)
    why = levels.missing_for("L1")
    assert why and str(interpreter) in why and str(slots.uid_range().start) in why and str(private) in why
    private.chmod(0o755)
    assert levels.missing_for("L1") is None


def _cli(*args: str, env: dict, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograder", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


@pytest.mark.parametrize("command", ["grade", "check", "batch"])
def test_forced_level_that_cannot_run_is_one_line_before_grading(course_copy, command, tmp_path):
    env = dict(tool_env(), PATH=str(tmp_path))        # no bubblewrap on this PATH
    if command == "batch":
        args = ["batch", ASSIGNMENT, "--course", str(course_copy), "--sandbox", "L2", "--from", str(SOLUTION_DIR)]
    else:
        args = [command, str(SOLUTION_DIR / NB), "--assignment", ASSIGNMENT, "--sandbox", "L2"]
    proc = _cli(*args, env=env, cwd=course_copy)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert "L2 needs bubblewrap (apt-get install bubblewrap)" in proc.stderr
    assert not (course_copy / "results").exists() and not (course_copy / "submitted").exists()   # nothing graded
