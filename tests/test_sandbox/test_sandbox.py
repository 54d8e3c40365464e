"""Attacks on the sandbox: what the worker can see, write, reach and leave behind.

Every test runs real hostile code in a worker.  Tests that need namespace
isolation (L2) are skipped with a reason when the probe found no bubblewrap.
"""
from __future__ import annotations

import ast
import os
import random
import sys
import time
from pathlib import Path

import pytest

from autograder.sandbox import launch as sandbox
from autograder.sandbox import slots
from autograder.sandbox.session import Limits, StudentTimeout, WorkerSession

ROOT = Path(__file__).resolve().parents[2]
FAST = Limits(call_timeout_s=2, load_timeout_s=20)


@pytest.fixture(scope="module")
def level() -> str:
    return sandbox.probe()


def _require_l2(level: str) -> None:
    if not level.startswith("L2"):
        pytest.skip(f"bubblewrap sandbox not available here (probe found {level}: "
                    f"{sandbox.probe_details})")


def _run(level: str, body: str, *args, limits: Limits = FAST, **kwargs):
    """Define ``def f(...)`` from ``body`` in a worker and call it once."""
    with WorkerSession([body], limits=limits, level=level) as s:
        report = s.start()
        assert report.cells[0].status == "ok", report.cells[0]
        return s.call("f", *args, **kwargs).value


def _cmdline_hits(marker: str) -> list[int]:
    hits = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                if marker.encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                    hits.append(int(pid))
            except OSError:
                pass
    return hits


# ------------------------------------------------------------------ probing
def test_probe_reports_a_level_and_caches_it(level, monkeypatch):
    """Counted, not timed: a cached probe starts no trial worker, a refreshed one does."""
    assert level in sandbox.LEVELS
    tried = []
    try_level = sandbox.try_level
    monkeypatch.setattr(sandbox, "try_level", lambda lvl: tried.append(lvl) or try_level(lvl))
    assert sandbox.probe() == level
    assert tried == []                      # cached per process
    assert sandbox.probe(refresh=True) == level
    assert tried and tried[-1] == level     # tried from the strongest down, stopping at the one that works


def test_worker_program_imports_only_stdlib_numpy_and_codec():
    """In the sandbox the repository is invisible: the files copied there import no autograder module
    (the import-linter contract says the same of the package; this also covers bare-name imports)."""
    from autograder.sandbox.launch import INSIDE_FILES
    allowed = {"builtins", "functools", "importlib", "io", "linecache", "os", "sys", "time", "traceback", "types",
               "__future__", "numpy", "codec", "exc_facts", "base64", "json", "math", "signal", "struct", "torch",
               "warnings"}
    assert {p.name for p in INSIDE_FILES} == {"worker.py", "codec.py", "exc_facts.py"}
    for path in INSIDE_FILES:
        name = path.name
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                mods = [a.name.split(".")[0] for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                assert node.level == 0, f"relative import in {name}"
                mods = [node.module.split(".")[0]]
            else:
                continue
            assert set(mods) <= allowed, (name, mods)


# -------------------------------------------------------------- environment
def test_secrets_in_grader_env_do_not_reach_worker(level, monkeypatch):
    monkeypatch.setenv("FAKE_SECRET_TOKEN", "s3cr3t-value-123")
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_fake")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "aws-fake")
    env, raw = _run(level, "import os\ndef f():\n"
                    "    return dict(os.environ), open('/proc/self/environ').read()\n")
    assert "FAKE_SECRET_TOKEN" not in env and "GITHUB_TOKEN" not in env
    assert not any(k.startswith("AWS") for k in env)
    assert "s3cr3t" not in raw and "ghp_fake" not in raw
    assert set(env) <= set(sandbox.worker_env("/x")) | {"PWD"}  # bwrap sets PWD
    assert env["OMP_NUM_THREADS"] == "1" and env["MPLBACKEND"] == "Agg"


def test_rlimits_and_no_new_privs_apply_in_worker(level):
    limits = Limits(call_timeout_s=2, memory_mb=2048, cpu_s=50, fsize_mb=1, nofile=100)
    got = _run(level, "import resource\ndef f():\n"
               "    r = {n: resource.getrlimit(getattr(resource, 'RLIMIT_' + n))[0]\n"
               "         for n in ('AS', 'CPU', 'FSIZE', 'NOFILE', 'CORE')}\n"
               "    st = open('/proc/self/status').read()\n"
               "    r['nnp'] = [l for l in st.splitlines() if l.startswith('NoNewPrivs')][0]\n"
               "    try:\n"
               "        open('big.bin', 'wb').write(b'x' * (2 << 20))\n"
               "        r['big'] = 'written'\n"
               "    except OSError as e:\n"
               "        r['big'] = type(e).__name__\n"
               "    return r\n", limits=limits)
    assert got["AS"] == 2048 << 20 and got["CPU"] == 50 and got["NOFILE"] == 100
    assert got["FSIZE"] == 1 << 20 and got["CORE"] == 0
    assert got["nnp"].split()[-1] == "1"
    assert got["big"] != "written"  # RLIMIT_FSIZE stops the 2 MiB file


def test_worker_runs_in_fresh_empty_cwd_and_temp_dir_is_removed(level):
    with WorkerSession(["import os\ndef f():\n    open('note.txt', 'w').write('x')\n"
                        "    return os.getcwd(), sorted(os.listdir('.'))\n"],
                       limits=FAST, level=level) as s:
        s.start()
        workspace = s._wp.ws.root
        cwd, listing = s.call("f").value
        # (an interpreter installed under /tmp shows up as its bare ancestor dir)
        interp = {Path(p).relative_to(cwd).parts[0] for p in (sys.prefix, sys.base_prefix)
                  if p.startswith(cwd + "/")}
        assert set(listing) - interp == {"note.txt"}
        assert not cwd.startswith(str(ROOT))
    assert not workspace.exists()


# -------------------------------------------------------------- processes
@pytest.mark.parametrize("which", ["probed", "L0"])
def test_children_and_double_forked_daemons_are_gone_after_close(level, which):
    marker = f"{1000 + random.random():.7f}"  # unique `sleep` argument to find them
    body = ("import os, subprocess\n"
            "def f(marker):\n"
            "    subprocess.Popen(['sleep', marker])\n"
            "    if os.fork() == 0:\n"          # classic daemon: fork, setsid, fork
            "        os.setsid()\n"
            "        if os.fork() == 0:\n"
            "            os.execv('/bin/sleep', ['sleep', marker])\n"
            "        os._exit(0)\n"
            "    return os.getpid()\n")
    with WorkerSession([body], limits=FAST, level=level if which == "probed" else "L0") as s:
        s.start()
        s.call("f", marker)
        deadline = time.monotonic() + 2
        while len(_cmdline_hits(marker)) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(_cmdline_hits(marker)) == 2  # the attack really started both
    assert _cmdline_hits(marker) == []


def test_fork_bomb_is_contained_and_cleaned_up(level, monkeypatch):
    if "L1" not in level:
        pytest.skip(f"RLIMIT_NPROC only bounds a dedicated uid (level {level})")
    body = ("import os, time\n"
            "def f():\n"
            "    while True:\n"
            "        try:\n"
            "            os.fork()\n"
            "        except OSError:\n"
            "            time.sleep(0.01)\n")
    limits = Limits(call_timeout_s=1.5, load_timeout_s=20, nproc=64)
    used = set()     # this test's worker uids only: other tests may run workers at the same time (xdist)
    acquire = slots.acquire

    def recording_acquire(*args, **kwargs):
        slot = acquire(*args, **kwargs)
        used.add(slot.uid)
        return slot
    monkeypatch.setattr(slots, "acquire", recording_acquire)
    with WorkerSession([body], limits=limits, level=level) as s:
        s.start()
        with pytest.raises(StudentTimeout):
            s.call("f")
        assert s.ping()["op"] == "pong"  # a fresh worker answers
    assert used
    left = [p for p in os.listdir("/proc") if p.isdigit() and _uid_of(p) in used]
    assert left == []


def _uid_of(pid: str):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("Uid:"):
                return int(line.split()[1])
    except OSError:
        return None


# ------------------------------------------------------ filesystem (L2)
def test_worker_cannot_read_repository_or_grader_files(level):
    _require_l2(level)
    home = Path.home()
    targets = [ROOT / "source", ROOT / "tests", ROOT / "autograder", ROOT / "grading.yml",
               Path(__file__), home / ".gitconfig", home / ".bashrc", Path("/etc/shadow"),
               Path(f"/proc/{os.getpid()}/environ"), ROOT, home]
    got = _run(level, "import os\ndef f(paths):\n"
               "    out = {}\n"
               "    for p in paths:\n"
               "        try:\n"
               "            out[p] = sorted(os.listdir(p)) if os.path.isdir(p) else open(p, 'rb').read(50).hex()\n"
               "        except OSError as e:\n"
               "            out[p] = type(e).__name__\n"
               "    return out\n", [str(t) for t in targets])
    # ROOT and home may exist only as the bare ancestors of the bound interpreter
    # (e.g. /root/.pyenv): their listing must not show anything else.
    on_path = {Path(p).parts[len(Path(d).parts)] for d in (ROOT, home)
               for p in (sys.prefix, os.path.realpath(sys.base_prefix)) if p.startswith(str(d) + "/")}
    for d in (ROOT, home):
        v = got.pop(str(d))
        assert isinstance(v, str) and v.endswith("Error") or set(v) <= on_path, (d, v)
    leaked = {p: v for p, v in got.items() if not (isinstance(v, str) and v.endswith("Error"))}
    assert leaked == {}


def test_worker_cannot_write_outside_its_tmpfs(level):
    _require_l2(level)
    targets = [ROOT / "pwned.txt", ROOT / ".venv" / "pwned.txt", Path("/usr/pwned.txt"),
               Path("/worker/pwned.txt"), Path(os.path.realpath(sys.base_prefix)) / "pwned.txt"]
    got = _run(level, "def f(paths):\n"
               "    out = {}\n"
               "    for p in paths:\n"
               "        try:\n"
               "            open(p, 'w').write('pwned')\n"
               "            out[p] = 'written'\n"
               "        except OSError as e:\n"
               "            out[p] = type(e).__name__\n"
               "    open('ok.txt', 'w').write('fine')\n"  # the cwd tmpfs is writable
               "    return out\n", [str(t) for t in targets])
    assert "written" not in got.values(), got
    for t in targets:
        assert not t.exists()


def test_shipped_files_are_readable_but_read_only(level, tmp_path):
    shipped = tmp_path / "shipped"
    (shipped / "datasets").mkdir(parents=True)
    (shipped / "datasets" / "data.txt").write_text("42")
    os.chmod(tmp_path, 0o755)
    os.chmod(shipped, 0o755)
    with WorkerSession(["def f():\n    v = open('datasets/data.txt').read()\n"
                        "    try:\n        open('datasets/data.txt', 'w').write('0')\n"
                        "    except OSError as e:\n        return v, type(e).__name__\n"
                        "    return v, 'written'\n"], limits=FAST, shipped_dir=shipped, level=level) as s:
        s.start()
        value, write = s.call("f").value
    assert value == "42"
    if level.startswith("L2"):
        assert write != "written"
    assert (shipped / "datasets" / "data.txt").read_text() in ("42", "0")


def test_network_is_unreachable(level):
    _require_l2(level)
    got = _run(level, "import socket\ndef f():\n"
               "    s = socket.socket(); s.settimeout(1)\n"
               "    try:\n"
               "        s.connect(('1.1.1.1', 53))\n"
               "        return 'connected'\n"
               "    except OSError as e:\n"
               "        return type(e).__name__\n")
    assert got != "connected"


def test_uid_and_capabilities_are_dropped(level):
    if "L1" not in level:
        pytest.skip(f"no uid switch at level {level}")
    uid, caps = _run(level, "import os\ndef f():\n"
                     "    st = open('/proc/self/status').read().splitlines()\n"
                     "    return os.getuid(), [l.split()[1] for l in st if l.startswith('CapEff')][0]\n")
    assert uid in slots.uid_range() and slots.is_unmapped(uid) and int(caps, 16) == 0


def test_worker_cannot_signal_the_grader(level):
    _require_l2(level)
    got = _run(level, "import os, signal\ndef f(pid):\n"
               "    try:\n        os.kill(pid, signal.SIGKILL)\n        return 'sent'\n"
               "    except OSError as e:\n        return type(e).__name__\n", os.getpid())
    assert got != "sent"


def test_unknown_level_is_refused_not_downgraded():
    with pytest.raises(ValueError):
        WorkerSession(["x = 1"], level="L9", limits=FAST)
