"""Command line of the trusted deadline tier: ``collect-repos``, ``merge``, ``hand-back``,
``github grade-workflow``.  Each handler returns the exit status (0, or 2 with one line)."""
from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from ..config import ConfigError, get_assignment

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _fail(message: str) -> int:
    print(f"autograder: error: {message}", file=sys.stderr)
    return 2


def _token(var: str | None) -> str | None:
    """The token in environment variable ``var``; ValueError (one line) when unusable."""
    if not var:
        return None
    if not _ENV_NAME.fullmatch(var):
        raise ValueError(f"--token-env expects the NAME of an environment variable, got {var!r}")
    value = os.environ.get(var, "").strip()
    if not value:
        raise ValueError(f"environment variable {var} (from --token-env) is not set or empty")
    return value


def add_commands(sub, positive_int) -> None:
    collect = sub.add_parser("collect-repos", help="clone each student's repository at the deadline into "
                                                   "submitted/<student>/<assignment>/")
    collect.add_argument("roster", help="CSV with the columns student_id,repo_url (see README)")
    collect.add_argument("--assignment", required=True, help="assignment name from grading.yml")
    collect.add_argument("--deadline", help="ISO 8601 time with a UTC offset, e.g. 2026-12-01T23:59:00+09:00: "
                                            "take the last commit at or before it (default: the branch tip)")
    collect.add_argument("--token-env", metavar="VAR", help="name of the environment variable holding a token for "
                                                            "private https repositories (never pass the token itself)")
    collect.add_argument("--branch", help="branch to collect (default: each repository's default branch)")
    collect.add_argument("--course", default=".", help="the nbgrader course directory (default: .)")
    collect.add_argument("-j", "--jobs", type=positive_int, default=4, help="repositories fetched at once (default 4)")
    collect.add_argument("--timeout", type=positive_int, default=300, help="seconds per git command (default 300)")
    collect.set_defaults(run=_collect)

    merge = sub.add_parser("merge", help="combine the results of `autograder batch --shard K/N` runs into one "
                                         "grades.csv, gradebook and feedback")
    merge.add_argument("assignment", help="assignment name from grading.yml")
    merge.add_argument("result_dirs", nargs="+", metavar="RESULT_DIR",
                       help="each shard's results/<assignment>/ folder (or a folder above it)")
    merge.add_argument("--course", default=".", help="the nbgrader course directory (default: .)")
    merge.add_argument("--roster", help="roster CSV: adds names to the classroom50-style scores.csv")
    merge.add_argument("-j", "--jobs", type=positive_int, help="parallel graders for anything left to grade")
    merge.add_argument("--csv", help="grade CSV (default: results/<assignment>/grades.csv)")
    merge.add_argument("--no-feedback", action="store_true", help="skip nbgrader generate_feedback")
    merge.add_argument("--sandbox", choices=["L0", "L1", "L2", "L2+L1"],
                       help="required sandbox level for anything the merge grades itself (fails below it)")
    merge.set_defaults(run=_merge)

    back = sub.add_parser("hand-back", help="publish each student's feedback to a branch of their repository")
    back.add_argument("assignment", help="assignment name from grading.yml")
    back.add_argument("roster", help="the roster CSV used by collect-repos")
    back.add_argument("--token-env", metavar="VAR", help="environment variable holding a token that may push")
    back.add_argument("--branch", default="autograder-feedback",
                      help="branch to publish to (default: autograder-feedback; not classroom50's 'feedback')")
    back.add_argument("--course", default=".", help="the nbgrader course directory (default: .)")
    back.add_argument("--timeout", type=positive_int, default=120, help="seconds per git command (default 120)")
    back.set_defaults(run=_hand_back)



def add_grade_workflow(github_sub, positive_int) -> None:
    """``autograder github grade-workflow``, in the ``github`` group of ci/commands.py."""
    workflow = github_sub.add_parser("grade-workflow", help="write grade-class.yml for the instructor's private "
                                                            "grading repository")
    workflow.add_argument("dest", help="file or folder to write (a folder gets grade-class.yml)")
    workflow.add_argument("--assignment", required=True, help="assignment name from grading.yml")
    workflow.add_argument("--shards", type=positive_int, default=3, help="parallel grading jobs (default 3)")
    workflow.add_argument("--roster", default="roster.csv", help="roster path in the grading repository")
    workflow.add_argument("--deadline", default="", help="default deadline (ISO 8601 with offset) for scheduled runs")
    workflow.add_argument("--cron", default="", help="schedule (UTC cron), e.g. '0 15 1 12 *' = the deadline")
    workflow.add_argument("--config", default="grading.yml")
    workflow.set_defaults(run=_grade_workflow)


def _collect(args) -> int:
    from .collect import CollectError, collect_repos, parse_deadline
    from .roster import RosterError, read_roster
    try:
        token = _token(args.token_env)
        deadline = parse_deadline(args.deadline) if args.deadline else None
        course = Path(args.course)
        assignment = get_assignment(args.assignment, course / "grading.yml", require_sources=False)
        students = read_roster(args.roster)
        rows, path = collect_repos(course, students, assignment, deadline=deadline, token=token,
                                   branch=args.branch, jobs=args.jobs, timeout=args.timeout)
    except (ValueError, ConfigError, CollectError, RosterError) as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"{exc.filename or 'collect-repos'}: {exc.strerror or exc}")
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    print(f"\n{', '.join(f'{n} {status}' for status, n in sorted(counts.items()))}; report: {path}")
    return 0


def _merge(args) -> int:
    from ..course.batch import BatchError, format_table
    from ..course.merge import merge
    from ..course.shards import ShardError
    from .roster import RosterError, read_roster
    from .scores import write_scores
    try:
        roster = read_roster(args.roster) if args.roster else None
        report = merge(Path(args.course), args.assignment, args.result_dirs, jobs=args.jobs,
                       feedback=not args.no_feedback, csv_path=args.csv, level=args.sandbox)
        scores = write_scores(report.csv_path.parent, roster) if not args.csv else None
    except (ConfigError, BatchError, ShardError, RosterError) as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"{exc.filename or 'merge'}: {exc.strerror or exc}")
    print()
    print(format_table(report.rows, report.questions))
    print(f"\ngrades: {report.csv_path}" + (f"\nclassroom50-style scores: {scores}" if scores else ""))
    if report.errors:
        return _fail(f"{len(report.errors)} submission(s) could not be graded: " + "; ".join(report.errors)[:500])
    return 0


def _hand_back(args) -> int:
    from .handback import HandBackError, hand_back
    from .roster import RosterError, read_roster
    try:
        token = _token(args.token_env)
        course = Path(args.course)
        assignment = get_assignment(args.assignment, course / "grading.yml", require_sources=False)
        rows = hand_back(course, read_roster(args.roster), assignment, token=token, branch=args.branch,
                         timeout=args.timeout)
    except (ValueError, ConfigError, RosterError, HandBackError) as exc:
        return _fail(str(exc))
    published = sum(1 for row in rows if row.status == "published")
    print(f"\n{published} of {len(rows)} students' feedback published to branch {args.branch}")
    return 0


def _grade_workflow(args) -> int:
    from .workflow import WorkflowError, write_grade_workflow
    try:
        get_assignment(args.assignment, args.config, require_sources=False)
        path = write_grade_workflow(args.dest, args.assignment, args.shards, roster=args.roster,
                                    deadline=args.deadline, cron=args.cron)
    except (ConfigError, WorkflowError) as exc:
        return _fail(str(exc))
    print(f"wrote {path}")
    return 0
