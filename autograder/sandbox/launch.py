"""Sandbox levels, worker launch and process-tree control.

Levels (strongest first), probed once per process by really starting a worker:

* ``"L2+L1"`` root + bubblewrap: new pid/net/ipc/uts namespaces, read-only
  binds of the interpreter only, a size-limited tmpfs as the only writable
  place, then ``setpriv`` to the worker's own uid with all capabilities gone.
* ``"L2"``    bubblewrap without the uid switch (``--unshare-user`` when not root).
* ``"L1"``    plain uid switch (fails where the interpreter lives under a
  mode-700 /root, which the probe detects).
* ``"L0"``    no privileges needed.

Under the L1 levels every worker runs as its own uid, held for its lifetime
(:mod:`autograder.sandbox.slots`), so workers graded at the same time cannot signal,
trace or read each other.

Every level keeps the L0 protections: new session, rlimits, no_new_privs,
a scrubbed environment, a fresh cwd, and SIGKILL of the whole process tree at
the end.  This module knows nothing about the message protocol beyond framing.
"""
from __future__ import annotations

import ctypes
import fcntl
import os
import resource
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from . import slots
from .fonts import copy_font_lists

LEVELS = ("L2+L1", "L2", "L1", "L0")
_HERE = Path(__file__).resolve().parent
#: The worker program and the modules it imports: everything in ``inside/`` is copied into the sandbox,
#: and nothing else of the package is (the import contracts in pyproject.toml keep ``inside`` self-contained).
INSIDE_FILES = tuple(sorted(p for p in (_HERE / "inside").glob("*.py") if p.name != "__init__.py"))
_PR_SET_PDEATHSIG, _PR_SET_NO_NEW_PRIVS, _PR_SET_CHILD_SUBREAPER = 1, 38, 36
_libc = ctypes.CDLL(None, use_errno=True)
_prctl = _libc.prctl  # resolved in the parent: the forked child must not dlopen


@dataclass
class Limits:
    """Resource limits for one worker (shared by sandbox and session)."""
    call_timeout_s: float = 10
    load_timeout_s: float = 60
    memory_mb: int = 4096
    cpu_s: int = 300
    max_message_mb: int = 64
    output_kb: int = 64
    fsize_mb: int = 64       # RLIMIT_FSIZE
    nofile: int = 256        # RLIMIT_NOFILE
    nproc: int = 256         # RLIMIT_NPROC, only applied under a dedicated uid (L1 levels)
    disk_mb: int = 128       # size of the L2 tmpfs


class ChannelTimeout(Exception):
    """The deadline passed while waiting on the worker."""


class ChannelClosed(Exception):
    """The worker exited or closed its channel; the message says how."""


class ChannelOversize(Exception):
    """The worker announced a message above the size cap."""


#: The language the grader reports in, for the assignment's own check modules to follow.
LANGUAGE_VARIABLE = "AUTOGRADER_LANG"


def worker_env(home: str, language: str | None = None) -> dict[str, str]:
    """The complete environment of a worker: an allow-list, nothing inherited."""
    one = "1"
    extra = {LANGUAGE_VARIABLE: language} if language else {}
    return {**extra, "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
            "HOME": home, "TMPDIR": home, "MPLBACKEND": "Agg",
            "MPLCONFIGDIR": f"{home}/.config/matplotlib", "XDG_CACHE_HOME": f"{home}/.cache",
            "OMP_NUM_THREADS": one, "OPENBLAS_NUM_THREADS": one, "MKL_NUM_THREADS": one,
            "NUMEXPR_NUM_THREADS": one, "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": one,
            "PYTHONNOUSERSITE": one, "PYTHONUNBUFFERED": one, "PYTHONIOENCODING": "utf-8"}


def _make_preexec(limits: Limits, level: str):
    """Build the child-side setup; all values are computed here, in the parent."""
    mb = 1 << 20
    rl = [(resource.RLIMIT_AS, limits.memory_mb * mb),
          (resource.RLIMIT_CPU, int(limits.cpu_s)),
          (resource.RLIMIT_FSIZE, limits.fsize_mb * mb),
          (resource.RLIMIT_NOFILE, limits.nofile),
          (resource.RLIMIT_CORE, 0)]
    if "L1" in level:  # per-uid count: only meaningful for a dedicated uid
        rl.append((resource.RLIMIT_NPROC, limits.nproc))
    subreaper = not level.startswith("L2")  # under L2 the pid namespace does this job

    def preexec():
        for res, val in rl:
            hard = val + 1 if res == resource.RLIMIT_CPU else val  # SIGXCPU first, then KILL
            resource.setrlimit(res, (val, hard))
        _prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
        # Die with the grader (like bwrap --die-with-parent).
        _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if subreaper:  # orphans (double-forked daemons) stay in our process tree
            _prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    return preexec


class Workspace:
    """Per-worker temp dir: ``prog/`` (private copy of worker.py + codec.py) and ``work/`` (cwd)."""

    def __init__(self, level: str, shipped_dir: Path | None, uid: int | None = None):
        self.root = Path(tempfile.mkdtemp(prefix="ag-worker-"))
        os.chmod(self.root, 0o711)  # a dropped uid must traverse to prog/
        self.prog, self.work = self.root / "prog", self.root / "work"
        self.prog.mkdir(mode=0o755)
        self.work.mkdir(mode=0o700)
        for source in INSIDE_FILES:
            shutil.copyfile(source, self.prog / source.name)
        copy_font_lists(self.prog)
        shown = uid if uid is not None else os.geteuid()
        (self.prog / "passwd").write_text(f"sandbox:x:{shown}:{shown}:sandbox:/tmp:/usr/sbin/nologin\n")
        (self.prog / "group").write_text(f"sandbox:x:{shown}:\n")
        for p in self.prog.iterdir():
            p.chmod(0o644)
        self.shipped = [p for p in sorted(Path(shipped_dir).iterdir())] if shipped_dir else []
        if not level.startswith("L2"):  # L2 binds them into its tmpfs instead
            for p in self.shipped:
                (self.work / p.name).symlink_to(p.resolve())
            if uid is not None:   # the worker's own uid, mode 0700: no other worker can look inside
                os.chown(self.work, uid, uid)

    def cleanup(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def _interpreter_roots() -> list[tuple[str, str]]:
    """(source, dest) pairs for the interpreter: venv and base install, not /usr."""
    dests = set()
    for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
              os.path.dirname(os.path.dirname(os.path.realpath(sys.executable)))):
        dests.update({os.path.abspath(p), os.path.realpath(p)})
    dests = {d for d in dests if d != "/" and not (d + "/").startswith("/usr/")}
    keep = sorted(d for d in dests if not any(d.startswith(o + "/") for o in dests))
    return [(os.path.realpath(d), d) for d in keep]


def bwrap_argv(ws: Workspace, limits: Limits, *, uid_switch: bool) -> list[str]:
    """bubblewrap command line (without the program to run)."""
    a = [shutil.which("bwrap") or "bwrap", "--unshare-pid", "--unshare-net", "--unshare-ipc",
         "--unshare-uts", "--unshare-cgroup-try", "--hostname", "sandbox", "--die-with-parent",
         "--new-session", "--cap-drop", "ALL"]
    if uid_switch:  # setpriv needs these two; it clears all caps when it drops to the worker's uid
        a += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    elif os.geteuid() != 0:
        a += ["--unshare-user"]
    # The tmpfs first: an interpreter living under /tmp must be bound on top of it.
    a += ["--proc", "/proc", "--dev", "/dev", "--size", str(limits.disk_mb << 20),
          "--perms", "1777", "--tmpfs", "/tmp", "--ro-bind", "/usr", "/usr"]
    for d in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(d):
            a += ["--symlink", os.readlink(d), d]
        elif os.path.isdir(d):
            a += ["--ro-bind", d, d]
    # Only the /etc pieces the loader and time functions need; synthetic passwd/group.
    a += ["--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache",
          "--ro-bind-try", "/etc/localtime", "/etc/localtime",
          "--ro-bind-try", "/etc/fonts", "/etc/fonts",
          "--ro-bind", str(ws.prog / "passwd"), "/etc/passwd",
          "--ro-bind", str(ws.prog / "group"), "/etc/group"]
    made = {"/", "/usr", "/etc", "/tmp", "/proc", "/dev"}
    for src, dest in _interpreter_roots():
        # bwrap creates missing parents with mode 0700; a dropped uid could not
        # traverse them, so create every ancestor explicitly world-traversable.
        parts = Path(dest).parts
        for i in range(2, len(parts)):
            anc = str(Path(*parts[:i]))
            if anc not in made:
                made.add(anc)
                a += ["--perms", "0755", "--dir", anc]
        a += ["--ro-bind", src, dest]
    a += ["--ro-bind", str(ws.prog), "/worker"]
    for p in ws.shipped:
        a += ["--ro-bind", str(p.resolve()), f"/tmp/{p.name}"]
    return a + ["--chdir", "/tmp"]


# ------------------------------------------------------------ process tree
def _proc_table() -> dict[int, tuple[int, int, int, str]]:
    """pid -> (ppid, pgrp, session, state) from /proc."""
    table = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", "rb") as f:
                    rest = f.read().rsplit(b")", 1)[1].split()
                table[int(name)] = (int(rest[1]), int(rest[2]), int(rest[3]), rest[0].decode())
            except (OSError, IndexError, ValueError):
                pass
    return table


def process_tree(root: int) -> set[int]:
    """Live (non-zombie) pids descending from ``root`` or in its group/session."""
    table = _proc_table()
    found = {p for p, (_, pg, sid, _) in table.items() if root in (pg, sid)} | {root}
    changed = True
    while changed:
        changed = False
        for pid, (ppid, *_rest) in table.items():
            if ppid in found and pid not in found:
                found.add(pid)
                changed = True
    return {p for p in found if p in table and table[p][3] != "Z"}


def kill_tree(root: int, wait_s: float = 2.0) -> None:
    """Freeze the whole tree with SIGSTOP until it stops growing, then SIGKILL it.

    Stopped processes cannot fork, and the stopped worker (a subreaper) keeps
    orphans in the tree, so nothing escapes between the scan and the kill.
    """
    seen: set[int] = set()
    for _ in range(50):
        tree = process_tree(root)
        new = tree - seen
        for pid in new:
            try:
                os.kill(pid, signal.SIGSTOP)
            except OSError:
                pass
        seen |= tree
        if not new:
            break
    try:
        os.killpg(root, signal.SIGKILL)
    except OSError:
        pass
    for pid in seen:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline and (seen - {root}) & process_tree(root):
        time.sleep(0.005)


class WorkerProcess:
    """One running worker: framed channel with deadlines, output drain, kill."""

    def __init__(self, level: str, limits: Limits, shipped_dir: Path | None = None,
                 language: str | None = None):
        self.level, self.limits = level, limits
        self.max_bytes = limits.max_message_mb << 20
        self.slot = slots.acquire() if "L1" in level else None
        self.uid = self.slot.uid if self.slot else None
        try:
            self.ws = Workspace(level, shipped_dir, self.uid)
        except BaseException:
            self._release_slot()
            raise
        to_r, self.wfd = os.pipe()
        self.rfd, from_w = os.pipe()
        self._out_r, out_w = os.pipe()
        l2 = level.startswith("L2")
        python = [sys.executable, "-s", "-B", "/worker/worker.py" if l2 else str(self.ws.prog / "worker.py"),
                  "--fd-in", str(to_r), "--fd-out", str(from_w), "--max-bytes", str(self.max_bytes)]
        argv, cwd, home, user = python, str(self.ws.work), str(self.ws.work), {}
        if l2:
            argv = bwrap_argv(self.ws, limits, uid_switch=(level == "L2+L1"))
            if level == "L2+L1":
                argv += [shutil.which("setpriv") or "setpriv", "--reuid", str(self.uid), "--regid",
                         str(self.uid), "--clear-groups", "--no-new-privs"]
            argv, home = argv + python, "/tmp"
        elif level == "L1":
            user = {"user": self.uid, "group": self.uid, "extra_groups": []}
        try:
            self.proc = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=out_w, stderr=out_w, pass_fds=(to_r, from_w),
                cwd=cwd, env=worker_env(home, language), preexec_fn=_make_preexec(limits, level),
                start_new_session=True, close_fds=True, **user)
        except BaseException:
            for fd in (self.wfd, self.rfd, self._out_r):
                os.close(fd)
            self.ws.cleanup()
            self._release_slot()
            raise
        finally:
            for fd in (to_r, from_w, out_w):
                os.close(fd)
        for fd in (self.wfd, self.rfd):
            os.set_blocking(fd, False)
            try:  # bigger pipes: fewer wake-ups for large arrays
                fcntl.fcntl(fd, 1031, 1 << 20)  # F_SETPIPE_SZ
            except OSError:
                pass
        self.pidfd = os.pidfd_open(self.proc.pid)
        self._buf = bytearray()
        self._rpoll, self._wpoll = select.poll(), select.poll()
        self._rpoll.register(self.rfd, select.POLLIN)
        self._wpoll.register(self.wfd, select.POLLOUT)
        for p in (self._rpoll, self._wpoll):
            p.register(self.pidfd, select.POLLIN)
        self._tail, self._tail_lock = bytearray(), threading.Lock()
        self.closed = False
        self._drainer = threading.Thread(target=self._drain, daemon=True, name="worker-output")
        self._drainer.start()

    # ---- output: fd 1/2 of the whole sandbox go to one pipe; keep only a tail
    def _drain(self) -> None:
        cap = self.limits.output_kb << 10
        fd, poller = self._out_r, select.poll()
        poller.register(fd, select.POLLIN)
        try:
            while not self.closed:
                if not poller.poll(200):
                    continue
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    return
                with self._tail_lock:
                    self._tail += chunk
                    if len(self._tail) > cap:
                        del self._tail[:-cap]
        except OSError:
            return
        finally:  # this thread owns the fd: no close/reuse race with kill()
            os.close(fd)

    def output_tail(self) -> str:
        """The last ``output_kb`` KiB the worker wrote to fd 1/2 (not the channel)."""
        with self._tail_lock:
            return self._tail.decode("utf-8", "replace")

    # ---- channel
    def _wait(self, poller, fd: int, deadline: float) -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ChannelTimeout()
        ready = poller.poll(remaining * 1000)
        if not ready:
            raise ChannelTimeout()
        if all(f != fd for f, _ in ready):  # only the pidfd: the worker is gone
            raise ChannelClosed(self.exit_description())

    def send(self, data: bytes, deadline: float) -> None:
        view = memoryview(data)
        while view:
            try:
                view = view[os.write(self.wfd, view):]
                continue
            except BlockingIOError:
                pass
            except (BrokenPipeError, OSError):
                raise ChannelClosed(self.exit_description()) from None
            self._wait(self._wpoll, self.wfd, deadline)

    def recv(self, deadline: float) -> bytes:
        """Return the next message body; raise ChannelTimeout/Closed/Oversize."""
        buf = self._buf
        while True:
            if len(buf) >= 4:
                n = int.from_bytes(buf[:4], "big")
                if n > self.max_bytes:
                    raise ChannelOversize(f"message of {n} bytes exceeds the cap")
                if len(buf) >= 4 + n:
                    body = bytes(buf[4:4 + n])
                    del buf[:4 + n]
                    return body
            want = 1 << 20
            if len(buf) >= 4:  # read a big message in as few syscalls as possible
                want = max(want, 4 + int.from_bytes(buf[:4], "big") - len(buf))
            try:
                chunk = os.read(self.rfd, want)
            except BlockingIOError:
                self._wait(self._rpoll, self.rfd, deadline)
                continue
            if not chunk:
                raise ChannelClosed(self.exit_description())
            buf += chunk

    def exit_description(self) -> str:
        """How the worker ended, e.g. 'killed by signal SIGSEGV' or 'exited with code 3'."""
        # waitid(WNOWAIT) reads the status without reaping: the zombie keeps
        # its pid (and group id) reserved until kill_tree() has run.
        poller = select.poll()  # not select(): fd numbers may exceed FD_SETSIZE
        poller.register(self.pidfd, select.POLLIN)
        if not poller.poll(1000):
            return "closed its channel"
        info = os.waitid(os.P_PID, self.proc.pid, os.WEXITED | os.WNOWAIT)
        if info is None:
            return "ended"
        rc = info.si_status if info.si_code == os.CLD_EXITED else -info.si_status
        if rc < 0 or (self.level.startswith("L2") and rc > 128):
            sig = -rc if rc < 0 else rc - 128  # bwrap reports 128+signal
            try:
                name = signal.Signals(sig).name
            except ValueError:
                name = str(sig)
            return f"killed by signal {name}"
        return f"exited with code {rc}"

    def kill(self) -> None:
        """SIGKILL the whole tree, reap, close fds, remove the temp dir. Idempotent."""
        if self.closed:
            return
        kill_tree(self.proc.pid)
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        self.closed = True  # stops the drainer even if an escaped process holds the pipe
        self._drainer.join(timeout=0.5)
        for fd in (self.wfd, self.rfd, self.pidfd):
            try:
                os.close(fd)
            except OSError:
                pass
        self.ws.cleanup()
        self._release_slot()

    def _release_slot(self) -> None:
        """Give the uid back, once nothing of this worker runs as it any more."""
        if self.slot is not None:
            self.slot.release()
            self.slot = None


# ------------------------------------------------------------------- probe
_probe_cache: dict[str, str] = {}
probe_details: dict[str, str] = {}   # level -> why it was rejected (for reports)


def candidate_levels() -> list[str]:
    """Levels worth trying on this machine, strongest first."""
    root, bwrap = os.geteuid() == 0, shutil.which("bwrap") is not None
    out = []
    if root and bwrap and shutil.which("setpriv"):
        out.append("L2+L1")
    if bwrap:
        out.append("L2")
    if root:
        out.append("L1")
    return out + ["L0"]


def start_and_ping(level: str, limits: Limits, shipped_dir: Path | None = None, language: str | None = None,
                   timeout_s: float = 10.0) -> tuple[WorkerProcess | None, str | None]:
    """Start a real worker at ``level`` and ping it: (the live worker, None) if it works, else (None, why not)."""
    from .inside import codec  # the grader's own copy
    try:
        wp = WorkerProcess(level, limits, shipped_dir, language)
    except (OSError, slots.NoFreeSlot) as exc:
        return None, f"cannot start: {exc}"
    try:
        deadline = time.monotonic() + timeout_s
        wp.send(codec.pack({"op": "ping"}), deadline)
        reply = codec.unpack_body(wp.recv(deadline))
        if reply.get("op") != "pong":
            why = "no pong"
        elif "L1" in level and reply.get("uid") != wp.uid:
            why = f"worker runs as uid {reply.get('uid')}"
        else:
            return wp, None
    except (ChannelTimeout, ChannelClosed, ChannelOversize, ValueError) as exc:
        time.sleep(0.05)  # let the drain thread collect the error text
        why = f"{type(exc).__name__}: {exc} {wp.output_tail()[-300:]}".strip()
    except BaseException:
        wp.kill()
        raise
    wp.kill()
    return None, why


def try_level(level: str, timeout_s: float = 10.0) -> str | None:
    """Start a real worker at ``level`` and ping it; return None if it works, else why not."""
    wp, why = start_and_ping(level, Limits(), timeout_s=timeout_s)
    if wp is not None:
        wp.kill()
    return why


def probe(*, refresh: bool = False) -> str:
    """The strongest level that really works here (cached per process)."""
    if "level" in _probe_cache and not refresh:
        return _probe_cache["level"]
    return _first_working(lambda level: (None, try_level(level)))[0]


def probe_keeping(limits: Limits, shipped_dir: Path | None = None,
                  language: str | None = None) -> tuple[str, WorkerProcess | None]:
    """:func:`probe`, and where this process has not probed yet, the worker that showed the level works: it
    was started with these settings, has only answered a ping, and can serve a submission."""
    if "level" in _probe_cache:
        return _probe_cache["level"], None

    def trial(level: str) -> tuple[WorkerProcess | None, str | None]:
        worker, _why = start_and_ping(level, limits, shipped_dir, language)
        # A level is judged as probe() judges it (default limits); these settings only decide whether the
        # trial worker can be kept.  (A memory limit too small for any worker is then the submission's
        # load failure, as before, not "no level works".)
        return (worker, None) if worker is not None else (None, try_level(level))
    return _first_working(trial)


def _first_working(trial: Callable[[str], tuple[WorkerProcess | None, str | None]]) -> tuple[str, WorkerProcess | None]:
    for level in candidate_levels():
        worker, why = trial(level)
        if why is None:
            _probe_cache["level"] = level
            return level, worker
        probe_details[level] = why
    raise RuntimeError(f"no sandbox level works on this machine: {probe_details}")
