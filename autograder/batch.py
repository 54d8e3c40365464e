"""``autograder batch``: grade a whole class in parallel, then let nbgrader record it.

1. Submissions come from the course's ``submitted/`` folder (nbgrader collect),
   from a folder of notebooks, or from an LMS archive (``nbgrader zip_collect``).
2. Each submission folder is repaired if needed (renamed, empty, corrupt
   notebook: see :func:`autograder.nbgrader_bridge.prepare_submission`).
3. ``-j`` grading processes (one submission per process at a time: the engine
   runs pytest in-process and ties its sandbox to the grading thread), each
   with the hidden suites collected once (:mod:`autograder.suites`), sanitise
   each submission exactly as ``nbgrader autograde`` will, and grade it with
   the engine unless its stored result is up to date, under a wall-clock
   limit.  Results go to ``results/<assignment>/<student>.json``.
4. The grades are recorded as ``nbgrader autograde`` records them, reusing those
   results, in one gradebook transaction (:mod:`autograder.record`), and the
   feedback pages written as ``nbgrader generate_feedback`` writes them, in
   ``-j`` processes (:mod:`autograder.record_feedback`).
5. ``results/<assignment>/grades.csv``: one row per student with the
   per-question scores, the total and nbgrader's late penalty.

Resumable: a submission whose stored result and autograded notebook match
what would be graded now is skipped (``--force`` grades everything again).
"""
from __future__ import annotations

from . import startup  # noqa: F401  (first: a worker process's settings before nbformat is imported)

import csv
import datetime
import glob
import json
import os
import re
import selectors
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import nbgrader_bridge as bridge
from . import shards
from .config import Assignment, get_assignment
from .report import render, write_atomic
from .results import GradeResult
from .salt import Salt, salt_environment


class BatchError(Exception):
    """The batch cannot run (no gradebook entry, nbgrader failed...); ``str()`` is one line."""


@dataclass
class Submission:
    student: str
    folder: Path
    notebook: Path
    notes: list[str] = field(default_factory=list)
    staged: Path | None = None
    digest: str = ""
    result: dict | None = None
    grade: bool = False          # the engine must grade it in this run
    record: bool = False         # nbgrader must (re)write its autograded notebook and gradebook entry
    error: str = ""
    previous_s: float = float("inf")   # how long the last grading took (unknown: schedule first)
    sanitized: bool = False      # its grading process staged it through nbgrader's sanitise pass


@dataclass
class BatchReport:
    assignment: str
    rows: list[dict]
    questions: list[str]
    csv_path: Path
    graded: int
    skipped: int
    timeouts: int
    errors: list[str]
    seconds: float
    engine_seconds: float
    feedback: dict[str, Path]
    #: graded, but nbgrader's gradebook does not hold the engine's score (see batch.log)
    warnings: list[str] = field(default_factory=list)


def _nbgrader(course_root: Path, *args: str, log: Path | None = None, env: dict | None = None,
              check: bool = True) -> subprocess.CompletedProcess:
    """Run one standard nbgrader command in the course root (this venv's tools on PATH)."""
    run_env = dict(env or os.environ)
    run_env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + run_env.get("PATH", "")
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course_root, env=run_env,
                          capture_output=True, text=True)
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(f"$ nbgrader {' '.join(args)}\n{proc.stdout}{proc.stderr}\n")
    if check and proc.returncode != 0:
        errors = [line for line in (proc.stderr + proc.stdout).splitlines() if "ERROR" in line or "rror:" in line]
        tail = " | ".join((errors or (proc.stderr or proc.stdout).strip().splitlines())[-2:])
        raise BatchError(f"nbgrader {args[0]} failed: {tail[:400]}")
    return proc


# -- sources of submissions ------------------------------------------------------------

_SAFE_ID = re.compile(r"[^A-Za-z0-9._@-]+")


def safe_student_id(text: str) -> str:
    """The nbgrader student id made of a file or folder name (also how LMS roster ids are matched)."""
    return _SAFE_ID.sub("_", text)


def _timestamp(path: Path) -> str:
    moment = datetime.datetime.fromtimestamp(path.stat().st_mtime, datetime.timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f UTC")


def import_folder(source: Path, coursedir, assignment: Assignment) -> int:
    """Copy a folder of notebooks into ``submitted/<student>/<assignment>/``.

    ``<student>.ipynb`` files and ``<student>/*.ipynb`` folders are accepted.
    An unchanged submission is left alone, so a re-run resumes.
    """
    groups: dict[str, list[tuple[Path, str]]] = {}
    for path in sorted(source.iterdir()):
        if path.is_file() and path.suffix == ".ipynb":
            groups.setdefault(safe_student_id(path.stem), []).append((path, assignment.notebook))
        elif path.is_dir() and not path.name.startswith("."):
            for nb in sorted(path.glob("*.ipynb")):
                groups.setdefault(safe_student_id(path.name), []).append((nb, nb.name))
    for student, files in groups.items():
        dest = Path(coursedir.format_path(coursedir.submitted_directory, student, assignment.name))
        originals = dest / bridge.SIDECAR / "original"

        def same(src: Path, name: str) -> bool:
            for candidate in (originals / name, dest / name):
                if candidate.is_file():
                    return candidate.read_bytes() == src.read_bytes()
            return False
        if dest.is_dir() and all(same(src, name) for src, name in files):
            continue
        if dest.exists():
            shutil.rmtree(dest)
        dest.mkdir(parents=True)
        for src, name in files:
            shutil.copy2(src, dest / name)
        (dest / "timestamp.txt").write_text(max(_timestamp(src) for src, _ in files) + "\n")
    return len(groups)


def import_archive(archive: Path, course_root: Path, assignment: Assignment, pattern: str | None,
                   log: Path, echo=print) -> None:
    """Unpack an LMS export member by member (unsafe members skipped, one line each), then hand
    the files to ``nbgrader zip_collect`` (file-name pattern from nbgrader_config.py)."""
    from .archives import ArchiveError, unpack
    target = course_root / "downloaded" / assignment.name / "archive"
    if target.exists():
        shutil.rmtree(target)
    try:
        unpacked = unpack(archive, target)
    except ArchiveError as exc:
        raise BatchError(str(exc)) from None
    for name, reason in unpacked.skipped:
        echo(f"  ! skipped archive member {name!r}: {reason}")
    if not unpacked.files:
        raise BatchError(f"{archive.name}: no member could be unpacked safely")
    args = ["zip_collect", assignment.name, "--force"]
    if pattern:
        args.append(f"--FileNameCollectorPlugin.named_regexp={pattern}")
    _nbgrader(course_root, *args, log=log)


def find_submissions(coursedir, assignment: Assignment) -> list[Submission]:
    pattern = coursedir.format_path(coursedir.submitted_directory, "(?P<student_id>[^/]+)", assignment.name,
                                    escape=True)
    found = []
    for folder in sorted(glob.glob(coursedir.format_path(coursedir.submitted_directory, "*", assignment.name))):
        match = re.fullmatch(pattern, folder)
        if os.path.isdir(folder) and match:
            found.append(Submission(match.group("student_id"), Path(folder), Path(folder) / assignment.notebook))
    return found


def _gradebook_has(coursedir, assignment: Assignment) -> bool:
    from nbgrader.api import Gradebook, MissingEntry
    if coursedir.db_url.startswith("sqlite:///") and not Path(coursedir.db_url[len("sqlite:///"):]).is_file():
        return False
    with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        try:
            return len(gb.find_assignment(assignment.name).notebooks) > 0
        except MissingEntry:
            return False


# -- the worker pool -------------------------------------------------------------------

def _worker_main() -> None:
    """``python -m autograder.batch --worker``: grade the tasks read from stdin, one JSON line each."""
    channel = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)                       # anything printed by accident goes to the log, not the channel
    sys.stdout = sys.stderr

    def stop(signum, frame):            # the parent's time limit: unwind so the engine closes its sandbox
        raise KeyboardInterrupt("time limit")
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from .grader import GraderError     # imported once per worker, not per submission
    from .session import keep_spare_worker
    keep_spare_worker()                 # the next submission's sandbox starts while this one is graded
    try:
        _serve(channel, iter(sys.stdin), GraderError)
    except KeyboardInterrupt:          # stopped at the time limit: the engine has closed its sandbox
        print("autograder batch worker: stopped at the time limit", file=sys.stderr)


def _serve(channel, lines, GraderError) -> None:
    """Grade every task; the hidden suites are collected once per assignment, not per submission."""
    from .salt import resolve_salt
    from .suites import SuiteError, with_suites
    line = next(lines, None)
    while line is not None:
        task = json.loads(line)
        try:
            assignment = get_assignment(task["assignment"], task["config"])
        except Exception as exc:  # a broken grading.yml: this task fails, the worker goes on
            _reply(channel, task, {"error": f"{type(exc).__name__}: {exc}"})
            line = next(lines, None)
            continue
        try:
            line = with_suites(assignment, lambda suites: _serve_assignment(channel, task, lines, assignment,
                                                                            suites, GraderError),
                               salt=resolve_salt())
        except SuiteError as exc:
            _reply(channel, task, {"error": str(exc)})
            line = next(lines, None)


def _serve_assignment(channel, task: dict, lines, assignment: Assignment, suites, GraderError) -> str | None:
    """Grade ``task`` and the tasks after it of the same assignment; return the first line of another one."""
    key = (task["config"], task["assignment"])
    while True:
        channel.write(json.dumps({"id": task["id"], "started": True}) + "\n")   # the time limit starts now
        try:
            reply = _stage_and_grade(channel, task, assignment, suites)
        except GraderError as exc:
            reply = {"error": str(exc)}
        except Exception as exc:  # an engine bug must not take the batch down
            reply = {"error": f"{type(exc).__name__}: {exc}"}
        _reply(channel, task, reply)
        line = next(lines, None)
        if line is None:
            return None
        task = json.loads(line)
        if (task["config"], task["assignment"]) != key:
            return line


def _stage_and_grade(channel, task: dict, assignment: Assignment, suites) -> dict:
    """Grade ``task["notebook"]``; with ``task["submitted"]``, first sanitise that submission into it
    exactly as ``nbgrader autograde`` will, and grade only if the stored result is not current.

    Done here, in the parallel workers, rather than in the batch process: nbgrader's sanitising
    costs about a quarter of a second per notebook.  The digest is sent as soon as it is known, so
    that even a submission stopped at the time limit is stored under it (and nbgrader reuses that
    zero instead of grading it again without a limit).
    """
    staged = Path(task["notebook"])
    if "submitted" in task:
        known = _stage(task, assignment, staged)      # what the batch process learns before the grade
        _reply(channel, task, {"staged": True, **known})
        stored = bridge.load_result(Path(task["result_path"]))
        if not task["force"] and stored is not None and stored.get("digest") == known["digest"]:
            return {"up_to_date": True}
    return {"result": bridge.grade_node(None, assignment, lang=task["lang"], level=task.get("level"),
                                        notes=task["notes"], path=staged, suites=suites)}


_COURSES: dict[str, tuple] = {}     # course root -> (nbgrader config, course directory), per worker


def _stage(task: dict, assignment: Assignment, staged: Path) -> dict:
    """Write the sanitised submission to ``staged``; its engine digest, and a warning if nbgrader refused it."""
    root = str(Path(task["config"]).resolve().parent)
    if root not in _COURSES:
        config = bridge.load_course_config(root)
        _COURSES[root] = (config, bridge.course_directory(root, config))
    config, coursedir = _COURSES[root]
    known: dict = {}
    try:
        nb = bridge.sanitized_notebook(task["submitted"], coursedir, config, task["id"], assignment.name)
    except Exception as exc:  # nbgrader would fail on it too; grade what the student wrote
        known["warning"] = (f"nbgrader cannot sanitise the notebook ({type(exc).__name__}); "
                            "grading it as submitted")
        nb = nbformat.read(task["submitted"], as_version=4)
    staged.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, staged)
    known["digest"] = bridge.engine_digest(nb, assignment, task["lang"], task["policy"])
    return known


def _reply(channel, task: dict, reply: dict) -> None:
    channel.write(json.dumps({"id": task["id"], **reply}, ensure_ascii=False) + "\n")


class _Worker:
    """One grading process: JSON lines in on stdin, JSON lines out on stdout."""

    #: A worker that has not even started its task after this long (stuck importing) is replaced.
    START_LIMIT_S = 300.0

    def __init__(self, log):
        # One thread of BLAS/OpenMP/torch per worker: parallelism comes from -j processes, and the
        # hidden suites' small comparisons gain nothing from threads that would fight each other.
        env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
        self.proc = subprocess.Popen([sys.executable, "-m", "autograder.batch", "--worker"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
                                     start_new_session=True, bufsize=0, env=env)
        self.task: dict | None = None
        self.progress: dict = {}
        self.sent = self.started = 0.0
        self.buffer = b""

    def send(self, task: dict) -> None:
        """Queue ``task``; its clock starts when the worker says it started (not while it imports)."""
        self.task, self.sent, self.started = task, time.monotonic(), float("inf")
        self.progress: dict = {}
        try:
            self.proc.stdin.write((json.dumps(task, ensure_ascii=False) + "\n").encode("utf-8"))
        except OSError:
            pass    # the worker is gone: its closed stdout reports it

    def read(self) -> list[dict] | None:
        """The complete messages available now; None when the worker has gone."""
        try:
            data = os.read(self.proc.stdout.fileno(), 1 << 16)
        except OSError:
            data = b""
        if not data:
            return None
        self.buffer += data
        *lines, self.buffer = self.buffer.split(b"\n")
        return [json.loads(line) for line in lines if line.strip()]

    def elapsed(self, now: float) -> float:
        return max(0.0, now - self.started) if self.started != float("inf") else 0.0

    def overdue(self, now: float, timeout: float) -> bool:
        if self.task is None:
            return False
        if self.started == float("inf"):
            return now - self.sent > self.START_LIMIT_S + timeout
        return now - self.started > timeout

    def stop(self, grace: float = 5.0) -> None:
        """Ask the worker to unwind (its engine then kills the sandbox), then kill it."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(grace)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass

    def close(self) -> None:
        """No more tasks: the worker exits when its stdin closes (reaped by :meth:`reap`)."""
        try:
            self.proc.stdin.close()
        except OSError:
            pass

    def reap(self, wait: float = 10.0) -> None:
        try:
            self.proc.wait(wait)
        except subprocess.TimeoutExpired:
            self.stop()
        if self.proc.stdout:
            self.proc.stdout.close()


def grade_in_parallel(tasks: list[dict], jobs: int, timeout: float, log_path: Path, on_done) -> None:
    """Grade ``tasks`` in up to ``jobs`` worker processes; ``on_done(task, reply, seconds)`` per task.

    A task still running ``timeout`` seconds after it started gets ``{"timeout": True}``;
    its worker is stopped and a fresh one takes the next task.
    """
    pending = list(tasks)
    workers: list[_Worker] = []
    selector = selectors.DefaultSelector()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        def spawn() -> None:
            worker = _Worker(log)
            workers.append(worker)
            selector.register(worker.proc.stdout, selectors.EVENT_READ, worker)
            worker.send(pending.pop(0))

        closing: list[_Worker] = []

        def retire(worker: _Worker, kill: bool) -> None:
            selector.unregister(worker.proc.stdout)
            workers.remove(worker)
            if kill:
                worker.stop()
            else:
                worker.close()
                closing.append(worker)

        def finish(worker: _Worker, reply: dict) -> None:
            task, seconds = worker.task, worker.elapsed(time.monotonic())
            worker.task = None
            on_done(task, {**worker.progress, **reply}, seconds)

        try:
            for _ in range(min(jobs, len(pending))):
                spawn()
            while workers:
                for key, _ in selector.select(timeout=0.5):
                    worker: _Worker = key.data
                    messages = worker.read()
                    if messages is None:    # the worker died (killed from outside, interpreter crash)
                        if worker.task:
                            finish(worker, {"error": "the grading process died"})
                        retire(worker, kill=True)
                        if pending:
                            spawn()
                        continue
                    for message in messages:
                        if message.get("started"):
                            worker.started = time.monotonic()
                        elif message.get("staged"):     # what is known before the grade (the digest)
                            worker.progress = {k: v for k, v in message.items() if k not in ("id", "staged")}
                        elif worker.task is not None:
                            finish(worker, message)
                    if worker.task is None:
                        if pending:
                            worker.send(pending.pop(0))
                        else:
                            retire(worker, kill=False)
                now = time.monotonic()
                for worker in [w for w in workers if w.overdue(now, timeout)]:
                    finish(worker, {"timeout": True})
                    retire(worker, kill=True)
                    if pending:
                        spawn()
        finally:
            for worker in list(workers):
                retire(worker, kill=True)
            for worker in closing:
                worker.reap()
            selector.close()


# -- the batch -------------------------------------------------------------------------

def _autograded_digest(path: Path) -> str | None:
    try:
        meta = json.loads(path.read_text(encoding="utf-8")).get("metadata", {})
    except (OSError, ValueError):
        return None
    return (meta.get(bridge.ENGINE_KEY) or {}).get("digest")


def _remove(path: Path) -> None:
    if path.is_dir():
        for sub in path.rglob("*"):           # nbgrader writes read-only files (444)
            if not sub.is_symlink():
                sub.chmod(0o755 if sub.is_dir() else 0o644)
        shutil.rmtree(path)


def run_batch(course_root: str | Path, assignment_name: str, *, salt: Salt | None = None, **options) -> BatchReport:
    """Grade every submission of ``assignment_name`` in ``course_root``; see the module docstring.

    ``salt`` (default: ``AUTOGRADER_SALT`` or the public salt) draws the hidden tests' inputs; it reaches
    the grading processes through their environment, never their command line.
    A ``shard`` grades its share only (engine results); ``autograder merge`` records the class.
    """
    with salt_environment(salt):
        return _run_batch(course_root, assignment_name, **options)


def _run_batch(course_root: str | Path, assignment_name: str, *, source: str | Path | None = None,
               jobs: int | None = None, timeout: float | None = None, force: bool = False,
               lang: str | None = None, level: str | None = None, csv_path: str | Path | None = None,
               feedback: bool = True, pattern: str | None = None, shard: shards.Shard | None = None,
               echo=print) -> BatchReport:
    started = time.monotonic()
    root = Path(course_root).resolve()
    assignment = get_assignment(assignment_name, root / "grading.yml")
    lang = lang or assignment.feedback_language
    jobs = max(1, jobs or os.cpu_count() or 1)
    timeout = timeout or assignment.limits.submission_timeout_s + 60
    config = bridge.load_course_config(root)
    coursedir = bridge.course_directory(root, config)
    results = root / bridge.RESULTS_DIR / assignment.name
    log = results / "batch.log"
    release = Path(coursedir.format_path(coursedir.release_directory, ".", assignment.name))
    if not (release / assignment.notebook).is_file():
        raise BatchError(f"{release / assignment.notebook} not found: run `autograder release {assignment.name}` "
                         "(nbgrader generate_assignment) first")
    from .levels import SandboxUnavailable, require_level
    try:
        require_level(level)          # a forced level that cannot run: one line, nothing graded
    except SandboxUnavailable as exc:
        raise BatchError(str(exc)) from None
    if not _gradebook_has(coursedir, assignment):
        raise BatchError(f"the gradebook has no assignment '{assignment.name}': run "
                         f"`nbgrader generate_assignment {assignment.name}` (or `autograder release`) first")

    if source is not None:
        source = Path(source)
        if source.is_dir():
            count = import_folder(source, coursedir, assignment)
            echo(f"imported {count} submissions from {source}")
        elif source.is_file():
            echo(f"nbgrader zip_collect {assignment.name} <- {source.name}")
            import_archive(source, root, assignment, pattern, log, echo)
        else:
            raise BatchError(f"{source}: no such folder or archive")

    subs = find_submissions(coursedir, assignment)
    if not subs:
        raise BatchError(f"no submissions of {assignment.name} under "
                         f"{coursedir.format_path(coursedir.submitted_directory, '*', assignment.name)}")
    everyone = [s.student for s in subs]
    if shard is not None:
        subs = shards.share(subs, shard, key=lambda s: s.student)
    policy = bridge.policy_digest(assignment)
    staging = results / (f".staging-{shard.label}" if shard else ".staging")   # shards may share a folder
    for sub in subs:
        sub.notes = bridge.prepare_submission(sub.folder, release, lang)
        sub.staged = staging / sub.student / sub.notebook.name
        stored = bridge.load_result(bridge.result_path(root, assignment.name, sub.student))
        if stored is not None and isinstance(stored.get("duration_s"), (int, float)):
            sub.previous_s = float(stored["duration_s"])
        sub.result = stored

    # Longest first (as far as the last run tells), so one slow submission does not finish alone at the end.
    todo = sorted(subs, key=lambda s: -s.previous_s)
    echo(f"checking {len(subs)} submissions of {assignment.name} with {min(jobs, len(todo))} worker(s), "
         f"{timeout:g} s limit each (nbgrader's sanitising, then the engine where no result is up to date)")
    by_id = {s.student: s for s in subs}
    done = {"n": 0, "timeouts": 0, "current": 0}
    engine_started = time.monotonic()

    def on_done(task, reply, seconds):
        sub = by_id[task["id"]]
        done["n"] += 1
        counter = f"[{done['n']:>{len(str(len(todo)))}}/{len(todo)}] {sub.student:<20}"
        if reply.get("warning"):
            echo(f"  ! {sub.student}: {reply['warning']}")
        sub.digest = reply.get("digest", "")
        sub.sanitized = bool(sub.digest) and not reply.get("warning")
        if reply.get("up_to_date"):
            done["current"] += 1
            return
        sub.grade = True
        if reply.get("timeout"):
            done["timeouts"] += 1
            result = bridge.zero_result(assignment, lang, bridge.say("timeout", lang, seconds=timeout),
                                        status="timeout")
            result["notes"] = sub.notes + result["notes"]
        elif "error" in reply:
            sub.error = reply["error"]
            echo(f"  {counter} ERROR {sub.error[:100]}")
            return
        else:
            result = reply["result"]
        result.update(student_id=sub.student, digest=sub.digest, notebook=str(sub.notebook))
        bridge.save_result(bridge.result_path(root, assignment.name, sub.student), result)
        write_atomic(results / f"{sub.student}.md", render(GradeResult.from_dict(result), "markdown"))
        sub.result = result
        eta = (time.monotonic() - engine_started) / done["n"] * (len(todo) - done["n"]) / min(jobs, len(todo))
        flag = "  TIME LIMIT" if reply.get("timeout") else ""
        echo(f"  {counter} {result['score']:7.2f} / {result['max_score']:g}  ({seconds:5.1f} s){flag}"
             + (f"   ~{eta:.0f} s left" if done["n"] < len(todo) else ""))

    tasks = [{"id": s.student, "submitted": str(s.notebook), "notebook": str(s.staged), "assignment": assignment.name,
              "config": str(root / "grading.yml"), "lang": lang, "level": level, "notes": s.notes,
              "policy": policy, "force": force,
              "result_path": str(bridge.result_path(root, assignment.name, s.student))} for s in todo]
    grade_in_parallel(tasks, jobs, timeout, log, on_done)
    engine_seconds = time.monotonic() - engine_started
    skipped = done["current"]
    graded = len(subs) - skipped
    echo(f"graded {graded} of {len(subs)} submissions" + (f" ({skipped} up to date, skipped)" if skipped else ""))
    for sub in subs:
        if sub.sanitized and sub.staged.is_file():   # the recording step need not sanitise it again
            bridge.remember_sanitized(sub.notebook, coursedir, sub.student, assignment.name,
                                      sub.staged.read_text(encoding="utf-8"))
        autograded = Path(coursedir.format_path(coursedir.autograded_directory, sub.student, assignment.name))
        sub.record = force or sub.grade or _autograded_digest(autograded / sub.notebook.name) != sub.digest
        if sub.record and not force:   # stale nbgrader output: remove it so nbgrader regenerates exactly these
            _remove(autograded)
            _remove(Path(coursedir.format_path(coursedir.feedback_directory, sub.student, assignment.name)))
    if shard is not None:
        shutil.rmtree(staging, ignore_errors=True)
        manifest = shards.write_manifest(results, assignment.name, shard, everyone, [s.student for s in subs],
                                         policy, lang)
        return BatchReport(assignment.name, [], [q.name for q in assignment.questions], manifest, graded, skipped,
                           done["timeouts"], [f"{s.student}: {s.error}" for s in subs if s.error],
                           time.monotonic() - started, engine_seconds, {})

    def page(sub: Submission) -> Path:
        return Path(coursedir.format_path(coursedir.feedback_directory, sub.student, assignment.name)) / (
            sub.notebook.stem + ".html")

    if any(s.record for s in subs):
        options = [f"--EngineGrade.lang={lang}"] + ([f"--EngineGrade.sandbox={level}"] if level else []) \
            + (["--force"] if force else [])
        _record(root, assignment.name, options, jobs, log, echo)
    if feedback and (force or any(s.record or not page(s).is_file() for s in subs)):
        _feedback_pages(root, assignment.name, ["--force"] if force else [], jobs, log, echo)
    if feedback:
        for sub in subs:   # also done by the GenerateFeedback hook; here for courses configured without it
            bridge.copy_feedback_for_renamed(sub.folder, page(sub).parent)

    rows = grade_rows(subs, assignment, coursedir)
    csv_path = Path(csv_path) if csv_path else results / "grades.csv"
    write_csv(csv_path, rows, [q.name for q in assignment.questions])
    feedback_pages = {sub.student: page(sub) for sub in subs if page(sub).is_file()}
    shutil.rmtree(staging, ignore_errors=True)
    errors = [f"{s.student}: {s.error}" for s in subs if s.error]
    warnings = [f"{r['student_id']}: {r['status']}" for r in rows if r["status"].startswith("gradebook")]
    return BatchReport(assignment.name, rows, [q.name for q in assignment.questions], csv_path, graded, skipped,
                       done["timeouts"], errors, time.monotonic() - started, engine_seconds, feedback_pages,
                       warnings)


def _record(root: Path, assignment_name: str, options: list[str], jobs: int, log: Path, echo) -> None:
    """What ``nbgrader autograde`` would record, in one transaction (autograder.record), or by that
    command itself for a course the fast path does not cover."""
    from .record import RecordError, record_class
    echo(f"nbgrader autograde {assignment_name} {' '.join(options)}   (recorded in one gradebook transaction)")
    try:
        recorded = record_class(root, assignment_name, options, jobs=jobs, log=log, echo=echo)
    except RecordError as exc:
        raise BatchError(str(exc)) from None
    if recorded is not None:
        echo(f"  recorded {len(recorded.students)} submission(s) in {recorded.seconds:.1f} s")
        return
    proc = _nbgrader(root, "autograde", assignment_name, *options, log=log, check=False)
    if proc.returncode != 0:
        echo("  ! nbgrader autograde reported errors; see " + str(log))


def _feedback_pages(root: Path, assignment_name: str, options: list[str], jobs: int, log: Path, echo) -> None:
    """``nbgrader generate_feedback``, run by nbgrader's own app in ``jobs`` forked processes."""
    from .record_feedback import generate_feedback
    echo(f"nbgrader generate_feedback {assignment_name} {' '.join(options)}".rstrip() + f"   ({jobs} process(es))")
    started = time.monotonic()
    if not generate_feedback(root, assignment_name, options, jobs=jobs, log=log):
        echo("  ! nbgrader generate_feedback reported errors; see " + str(log))
    echo(f"  feedback pages in {time.monotonic() - started:.1f} s")


def grade_rows(subs: list[Submission], assignment: Assignment, coursedir) -> list[dict]:
    """One row per student: engine scores, and nbgrader's raw score and late penalty from the gradebook."""
    from nbgrader.api import Gradebook, MissingEntry
    rows = []
    with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        for sub in subs:
            result = sub.result or {}
            scores = {q["name"]: q["score"] for q in result.get("questions", [])}
            total = round(sum(scores.values()), 4) if result else 0.0
            try:
                submission = gb.find_submission(assignment.name, sub.student)
                raw, penalty = submission.score, submission.late_submission_penalty or 0.0
            except MissingEntry:
                raw, penalty = None, 0.0
            status = sub.error and "error" or result.get("status", "graded")
            if status != "error" and (raw is None or abs(raw - total) > 1e-3):
                status = f"gradebook {'missing' if raw is None else f'has {raw:g}'}"
            rows.append({"student_id": sub.student, **{q.name: scores.get(q.name, 0.0) for q in assignment.questions},
                         "total": total, "late_penalty": round(penalty, 4),
                         "score": round(max(0.0, total - penalty), 4), "max_score": assignment.max_score,
                         "status": status, "notes": " ".join(bridge.note_kinds(sub.folder))})
    return rows


def write_csv(path: Path, rows: list[dict], questions: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fields = ["student_id", *questions, "total", "late_penalty", "score", "max_score", "status", "notes"]
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: row[k] for k in fields})
    os.replace(tmp, path)


def format_table(rows: list[dict], questions: list[str], extra: dict[str, str] | None = None) -> str:
    """The grade table printed by ``autograder batch`` and ``autograder demo``."""
    short = [q[:10] for q in questions]
    width = max([16] + [len(r["student_id"]) + 1 for r in rows])
    header = f"{'student':<{width}}" + "".join(f"{s:>11}" for s in short) + f"{'total':>8}" + "  note"
    lines = [header, "-" * len(header)]
    for row in rows:
        note = " ".join(x for x in (row.get("status") if row.get("status") != "graded" else "", row.get("notes", ""),
                                    (extra or {}).get(row["student_id"], "")) if x)
        lines.append(f"{row['student_id']:<{width}}" + "".join(f"{row[q]:>11.2f}" for q in questions)
                     + f"{row['total']:>8.2f}" + (f"  {note}" if note else ""))
    return "\n".join(lines)


if __name__ == "__main__":
    if sys.argv[1:] == ["--worker"]:
        _worker_main()
    else:
        sys.exit("usage: autograder batch ... (this module's entry point is for grading workers)")
