"""``autograder batch``: grade a whole class in parallel, then let nbgrader record it.

1. Submissions come from the course's ``submitted/`` folder (nbgrader collect),
   from a folder of notebooks, or from an LMS archive (``nbgrader zip_collect``).
2. Each submission folder is repaired if needed (renamed, empty, corrupt
   notebook: see :func:`autograder.course.nbgrader_bridge.prepare_submission`).
3. ``-j`` grading processes (:mod:`autograder.course.grading_pool`; one submission per process at a time: the engine
   runs pytest in-process and ties its sandbox to the grading thread), each
   with the hidden suites collected once (:mod:`autograder.engine.suites`), sanitise
   each submission exactly as ``nbgrader autograde`` will, and grade it with
   the engine unless its stored result is up to date, under a wall-clock
   limit.  Results go to ``results/<assignment>/<student>.json``.
4. The grades are recorded as ``nbgrader autograde`` records them, reusing those
   results, in one gradebook transaction (:mod:`autograder.course.record`), and the
   feedback pages written as ``nbgrader generate_feedback`` writes them, in
   ``-j`` processes (:mod:`autograder.course.record_feedback`).
5. ``results/<assignment>/grades.csv``: one row per student with the
   per-question scores, the total and nbgrader's late penalty.

Resumable: a submission whose stored result and autograded notebook match
what would be graded now is skipped (``--force`` grades everything again).
"""
from __future__ import annotations

import contextlib
import csv
import datetime
import glob
import json
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path


from . import nbgrader_bridge as bridge
from . import shards
from .nbgrader_cli import run as run_nbgrader
from ..config import Assignment, get_assignment
from .grading_pool import grade_in_parallel
from ..feedback.report import render, write_atomic
from ..results import GradeResult
from ..engine.salt import Salt, salt_environment


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


def nbgrader_command(course_root: Path, *args: str, log: Path | None = None, env: dict | None = None,
              check: bool = True) -> subprocess.CompletedProcess:
    """Run one standard nbgrader command in the course root (this venv's tools on PATH; started as our
    own processes are, :mod:`autograder.course.nbgrader_cli`)."""
    proc = run_nbgrader(course_root, *args, env=env)
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


def import_folder(source: Path, coursedir, assignment: Assignment, echo=print) -> int:
    """Copy a folder of notebooks into ``submitted/<student>/<assignment>/``.

    ``<student>.ipynb`` files and ``<student>/*.ipynb`` folders are accepted.
    An unchanged submission is left alone, so a re-run resumes.  Links (and other files that are
    not plain files) are skipped with a line: copying one would copy whatever it points at.
    """
    from .plain_files import is_plain_file
    groups: dict[str, list[tuple[Path, str]]] = {}
    for path in sorted(source.iterdir()):
        if path.suffix == ".ipynb" and not path.is_dir() and not is_plain_file(path):
            echo(f"  ! skipped {path.name!r}: a link or special file, not a notebook file")
        elif path.is_file() and path.suffix == ".ipynb":
            groups.setdefault(safe_student_id(path.stem), []).append((path, assignment.notebook))
        elif path.is_dir() and not path.name.startswith(".") and not path.is_symlink():
            for nb in sorted(path.glob("*.ipynb")):
                if is_plain_file(nb):
                    groups.setdefault(safe_student_id(path.name), []).append((nb, nb.name))
                else:
                    echo(f"  ! skipped {path.name}/{nb.name!r}: a link or special file, not a notebook file")
        elif path.is_symlink():
            echo(f"  ! skipped {path.name!r}: a link, not a student's folder")
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
    nbgrader_command(course_root, *args, log=log)


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


# -- the batch -------------------------------------------------------------------------

def _autograded_digest(path: Path) -> str | None:
    try:
        meta = json.loads(path.read_text(encoding="utf-8")).get("metadata", {})
    except (OSError, ValueError):
        return None
    return (meta.get(bridge.ENGINE_KEY) or {}).get("digest")


def remove_tree(path: Path) -> None:
    if path.is_dir():
        for sub in path.rglob("*"):           # nbgrader writes read-only files (444)
            if not sub.is_symlink():
                sub.chmod(0o755 if sub.is_dir() else 0o644)
        shutil.rmtree(path)


def run_batch(course_root: str | Path, assignment_name: str, *, salt: Salt | None = None, wait: float = 0.0,
              **options) -> BatchReport:
    """Grade every submission of ``assignment_name`` in ``course_root``; see the module docstring.

    ``salt`` (default: ``AUTOGRADER_SALT`` or the public salt) draws the hidden tests' inputs; it reaches
    the grading processes through their environment, never their command line.
    A ``shard`` grades its share only (engine results); ``autograder merge`` records the class.
    One run at a time on a course (:mod:`autograder.course_lock`; shards together): ``wait`` seconds at most.
    """
    from ..sandbox.levels import SandboxUnavailable, require_level
    from .course_lock import CourseBusy, course_lock
    from .nbgrader_cli import stamp_in_process
    stamp_in_process()
    try:
        require_level(options.get("level"))   # a level that cannot run: one line before anything is touched
    except SandboxUnavailable as exc:
        raise BatchError(str(exc)) from None
    lock = contextlib.nullcontext()
    if Path(course_root).is_dir():     # else _run_batch says what is missing
        lock = course_lock(course_root, f"batch {assignment_name}", wait=wait, shared=options.get("shard") is not None)
    try:
        with lock, salt_environment(salt):
            try:
                return _run_batch(course_root, assignment_name, **options)
            finally:
                _hand_over_outputs(Path(course_root).resolve(), assignment_name)
    except CourseBusy as exc:
        raise BatchError(str(exc)) from None


def _hand_over_outputs(root: Path, assignment_name: str) -> None:
    """Under sudo, what the batch wrote goes to the invoking user (later steps and uploads read it)."""
    from .. import handover
    if handover.invoker() is None:
        return
    for path in (root / bridge.RESULTS_DIR / assignment_name, root / "autograded", root / "feedback"):
        if path.is_dir():
            handover.hand_over_tree(path)
    for path in root.glob("gradebook.db*"):
        handover.hand_over(path)


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
    from ..sandbox.levels import SandboxUnavailable, require_level
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
            count = import_folder(source, coursedir, assignment, echo)
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
        sub.notes = bridge.prepare_submission(sub.folder, release, lang, top=bridge.submitted_top(coursedir))
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
            remove_tree(autograded)
            remove_tree(Path(coursedir.format_path(coursedir.feedback_directory, sub.student, assignment.name)))
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
    """What ``nbgrader autograde`` would record, in one transaction (autograder.course.record), or by that
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
    proc = nbgrader_command(root, "autograde", assignment_name, *options, log=log, check=False)
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
