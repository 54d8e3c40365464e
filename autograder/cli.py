"""Command line: ``autograder grade|check|release|batch|demo|practice|github|classroom50|collect-repos|merge|
hand-back|gradescope``.

Exit status 0 whenever grading completed, whatever the score; 2 when the grader
itself could not run (bad arguments, unknown assignment, unreadable notebook,
broken grading.yml), always with one line on stderr and no traceback.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .config import ConfigError, get_assignment
from .engine.notebook import NotebookError
from .feedback.report import WRITERS, emit, render
from .engine.salt import SaltError, resolve_salt

EXIT_OK, EXIT_USAGE = 0, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, no usage dump, same exit code as other grader errors
        raise SystemExit(_fail(f"{message} (see '{self.prog} --help')"))


def _fail(message: str) -> int:
    print(f"autograder: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("notebook", nargs="+", help="the submitted .ipynb file(s); with several, --out is a folder "
                   "that receives one report per notebook (hidden suites collected once for all)")
    p.add_argument("--assignment", required=True, help="assignment name from grading.yml")
    p.add_argument("--format", default="text", choices=sorted(WRITERS), help="report format (default: text)")
    p.add_argument("--out", help="write the report to this file (default: standard output)")
    p.add_argument("--lang", choices=["ko", "en"], help="feedback language (default: grading.yml)")
    p.add_argument("--config", default="grading.yml", help="path to grading.yml (default: ./grading.yml)")
    p.add_argument("--sandbox", choices=["L0", "L1", "L2", "L2+L1"], help="force a sandbox level (default: strongest available)")


def _add_salt(p: argparse.ArgumentParser) -> None:
    p.add_argument("--salt", metavar="TEXT", help="secret that draws the hidden tests' random inputs "
                   "(default: $AUTOGRADER_SALT, else a public salt); visible in the process list: "
                   "prefer --salt-file or the environment variable on shared machines")
    p.add_argument("--salt-file", metavar="PATH", help="read the salt from this file")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="autograder", description="Grade CNN course notebooks in a sandbox.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    grade = sub.add_parser("grade", help="grade one submission against the hidden tests")
    _add_common(grade)
    _add_salt(grade)
    check = sub.add_parser("check", help="run only the visible checks of a notebook (student side)")
    _add_common(check)
    demo = sub.add_parser("demo", help="run the whole nbgrader course cycle on a demo class and print the grades")
    demo.add_argument("--keep", help="write everything to this folder instead of a temporary one")
    demo.add_argument("--lang", choices=["ko", "en"])
    demo.add_argument("-j", "--jobs", type=_positive_int, help="parallel graders (default: number of cores)")
    batch = sub.add_parser("batch", help="grade every submission in parallel, record them with nbgrader, "
                                         "write feedback and a grade CSV")
    batch.add_argument("assignment", help="assignment name from grading.yml")
    batch.add_argument("--course", default=".", help="the nbgrader course directory (default: .)")
    batch.add_argument("--from", dest="source", help="a folder of notebooks (<student>.ipynb or <student>/*.ipynb) "
                                                     "or an LMS archive for nbgrader zip_collect "
                                                     "(default: the course's submitted/ folder)")
    batch.add_argument("-j", "--jobs", type=_positive_int, help="parallel graders (default: number of cores)")
    batch.add_argument("--timeout", type=_positive_float, help="wall-clock limit per submission in seconds "
                                                     "(default: grading.yml submission_timeout_s + 60)")
    batch.add_argument("--force", action="store_true", help="grade again even what is up to date")
    batch.add_argument("--lang", choices=["ko", "en"], help="feedback language (default: grading.yml)")
    batch.add_argument("--sandbox", choices=["L0", "L1", "L2", "L2+L1"], help="force a sandbox level")
    _add_salt(batch)
    batch.add_argument("--wait", type=_positive_float, default=0.0, metavar="SECONDS",
                       help="if another batch is running on this course, wait at most this long for it "
                            "(default: refuse at once)")
    batch.add_argument("--csv", help="grade CSV (default: results/<assignment>/grades.csv)")
    batch.add_argument("--no-feedback", action="store_true", help="skip nbgrader generate_feedback")
    batch.add_argument("--pattern", help="file-name regexp for an LMS archive "
                                         "(default: FileNameCollectorPlugin.named_regexp of nbgrader_config.py)")
    batch.add_argument("--shard", type=_shard, help="grade share K of N of the class only (engine results; "
                                                    "combine the N shards with `autograder merge`)")
    from .ci import canvas
    canvas.add_batch_options(batch)
    from .ci.commands import add_parsers as add_ci_parsers
    add_ci_parsers(sub, WRITERS, _positive_int)
    release = sub.add_parser("release", help="regenerate assignments/ and solutions/ from source/")
    release.add_argument("assignment")
    release.add_argument("--config", default="grading.yml")
    from .ci import gradescope
    gradescope.add_parser(sub, _Parser)
    return parser


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


def _shard(text: str):
    from .course.shards import parse_shard
    try:
        return parse_shard(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _grade(args, visible_only: bool) -> int:
    from .engine.grader import GraderError, grade_notebook
    from .sandbox.levels import SandboxUnavailable, require_level
    from .feedback.report import EXTENSIONS
    notebooks = [Path(n) for n in args.notebook]
    several = len(notebooks) > 1
    if several:
        if not args.out:
            return _fail("several notebooks need --out FOLDER (one report per notebook)")
        stems = [n.stem for n in notebooks]
        twice = sorted({stem for stem in stems if stems.count(stem) > 1})
        if twice:
            return _fail(f"two notebooks would share the report {twice[0]}{EXTENSIONS[args.format]}: "
                         "grade them in separate runs")
    try:
        salt = None if visible_only else resolve_salt(args.salt, args.salt_file)
        assignment = get_assignment(args.assignment, args.config, require_sources=not visible_only)
        require_level(args.sandbox)   # a forced level that cannot run: one line before grading
    except (ConfigError, SaltError, SandboxUnavailable) as exc:
        return _fail(str(exc))

    def grade_each(suites=None) -> int:
        status = EXIT_OK
        for notebook in notebooks:
            out = Path(args.out) / f"{notebook.stem}{EXTENSIONS[args.format]}" if several else args.out
            try:
                result = grade_notebook(notebook, assignment, lang=args.lang, level=args.sandbox,
                                        visible_only=visible_only, salt=None if suites else salt, suites=suites)
            except (NotebookError, GraderError) as exc:
                status = _fail(str(exc))
                continue
            try:
                emit(render(result, args.format), out)
            except OSError as exc:
                status = _fail(f"cannot write {out}: {exc.strerror}")
        return status

    if not several or visible_only:
        return grade_each()
    from .engine.suites import SuiteError, with_suites
    try:
        return with_suites(assignment, grade_each, salt=salt)
    except SuiteError as exc:
        return _fail(str(exc))


def _release(args) -> int:
    from .course.release import ReleaseError, release
    try:
        assignment = get_assignment(args.assignment, args.config)
        release(assignment)
    except (ConfigError, ReleaseError) as exc:
        return _fail(str(exc))
    return EXIT_OK


def _demo(args) -> int:
    from .config import ConfigError
    from .course.demo import run_demo
    from .engine.grader import GraderError
    from .course.release import ReleaseError
    from .course.batch import BatchError
    try:
        run_demo(Path.cwd(), keep=Path(args.keep) if args.keep else None, lang=args.lang, jobs=args.jobs)
    except (ConfigError, ReleaseError, GraderError, NotebookError, BatchError, OSError) as exc:
        return _fail(str(exc))
    return EXIT_OK


def _batch(args) -> int:
    from .course.batch import BatchError, format_table, run_batch
    from .ci.canvas import CanvasError, from_batch_options
    try:
        canvas = from_batch_options(args)
    except CanvasError as exc:
        return _fail(str(exc))
    try:
        report = run_batch(Path(args.course), args.assignment, salt=resolve_salt(args.salt, args.salt_file),
                           source=args.source, jobs=args.jobs,
                           timeout=args.timeout, force=args.force, lang=args.lang, level=args.sandbox,
                           csv_path=args.csv, feedback=not args.no_feedback, pattern=args.pattern, shard=args.shard,
                           wait=args.wait)
    except (ConfigError, BatchError, OSError, SaltError) as exc:
        return _fail(str(exc))
    print()
    if args.shard:
        print(f"shard {args.shard}: {report.graded} graded, {report.skipped} up to date, {report.timeouts} over the "
              f"time limit, {report.seconds:.1f} s; results and {report.csv_path.name} in {report.csv_path.parent}")
        return _fail("; ".join(report.errors)[:500]) if report.errors else EXIT_OK
    print(format_table(report.rows, report.questions))
    print(f"\ngrades: {report.csv_path}")
    if canvas is not None:
        canvas_csv = Path(args.canvas_csv) if args.canvas_csv else report.csv_path.with_name("canvas_import.csv")
        try:
            remarks = canvas.write(canvas_csv, report.rows, report.rows[0]["max_score"])
        except (CanvasError, OSError) as exc:
            return _fail(f"Canvas import file not written: {exc}")
        print(f"Canvas gradebook import: {canvas_csv} (column '{canvas.column}')")
        for remark in remarks:
            print(f"  Canvas: {remark}")
    if report.feedback:
        print(f"feedback pages: {len(report.feedback)} under "
              f"{Path(next(iter(report.feedback.values()))).parents[2]}/<student>/{report.assignment}/")
    print(f"{report.graded} graded, {report.skipped} up to date, {report.timeouts} over the time limit, "
          f"{report.seconds:.1f} s")
    for warning in report.warnings:   # graded (grades.csv has it), but not recorded by nbgrader
        print(f"warning: {warning} (see {report.csv_path.parent / 'batch.log'})")
    if report.errors:
        return _fail(f"{len(report.errors)} submission(s) could not be graded: " + "; ".join(report.errors)[:500])
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "release":
        return _release(args)
    if args.command == "gradescope":
        from .ci import gradescope
        return gradescope.main(args, _fail)
    try:
        if hasattr(args, "run"):      # commands that name their handler (ci/deadline_commands.py)
            return args.run(args)
        from .ci.commands import run as run_ci
        handled = run_ci(args, _fail)
        if handled is not None:
            return handled
        if args.command == "demo":
            return _demo(args)
        if args.command == "batch":
            return _batch(args)
    except KeyboardInterrupt:
        return _fail("interrupted; results graded so far are kept and a re-run resumes")
    try:
        return _grade(args, visible_only=args.command == "check")
    except KeyboardInterrupt:
        return _fail("interrupted; no report was written")


if __name__ == "__main__":
    sys.exit(main())
