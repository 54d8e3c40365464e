"""Subcommands of the CI integrations: ``practice``, ``github init|report``, ``classroom50 bundle|report``
(the practice tier, here) and ``collect-repos``, ``merge``, ``hand-back``, ``github grade-workflow``
(the deadline tier, deadline_commands.py)."""
from __future__ import annotations

from pathlib import Path

LEVELS = ["L0", "L1", "L2", "L2+L1"]


def _add_target(subparsers, name: str, help: str) -> None:
    p = subparsers.add_parser(name, help=help)
    p.add_argument("assignment", help="assignment name from grading.yml")
    p.add_argument("dest", help="a new folder to write")
    p.add_argument("--config", default="grading.yml", help="path to grading.yml (default: ./grading.yml)")


def add_parsers(sub, formats, positive_int) -> None:
    from .deadline_commands import add_commands, add_grade_workflow
    add_commands(sub, positive_int)
    p = sub.add_parser("practice", help="practice grade: visible checks + the tests grading.yml marks public")
    p.add_argument("notebook", nargs="?", help="the notebook (or --find-notebook DIR)")
    p.add_argument("--find-notebook", metavar="DIR", help="grade the assignment's notebook found in DIR")
    p.add_argument("--kit", help="a practice kit folder (student repositories: .autograder)")
    p.add_argument("--assignment", help="with the course's grading.yml instead of a kit (instructor preview)")
    p.add_argument("--config", default="grading.yml")
    p.add_argument("--format", default="text", choices=sorted(formats))
    p.add_argument("--out", help="write the report to this file (default: standard output)")
    p.add_argument("--lang", choices=["ko", "en"])
    p.add_argument("--sandbox", choices=LEVELS)

    gh = sub.add_parser("github", help="GitHub Actions: student template repository, job report")
    ghs = gh.add_subparsers(dest="action", required=True)
    _add_target(ghs, "init", "write a student template repository with a practice workflow")
    rep = ghs.add_parser("report", help="points notice, job summary, outputs and feedback from a practice result")
    rep.add_argument("result", help="JSON result of 'autograder practice --format json'")
    rep.add_argument("--feedback", help="write the Markdown feedback here (for the artifact)")
    add_grade_workflow(ghs, positive_int)

    c50 = sub.add_parser("classroom50", help="classroom50: autograder folder, result contract")
    c50s = c50.add_subparsers(dest="action", required=True)
    _add_target(c50s, "bundle", "write the folder to copy to <classroom>/autograders/<slug>/")
    crep = c50s.add_parser("report", help="write result.json, release-body.md and $GITHUB_OUTPUT lines")
    crep.add_argument("--kit", required=True)
    crep.add_argument("--result", required=True)


def _practice(args, fail) -> int:
    from ..config import ConfigError, get_assignment
    from ..engine.grader import GraderError, grade_notebook
    from ..sandbox.levels import SandboxUnavailable, require_level
    from ..engine.notebook import NotebookError
    from ..feedback.report import emit, render
    from . import practice
    from .workflow_commands import neutralize
    try:
        if args.kit:
            assignment = practice.kit_assignment(Path(args.kit))
        elif args.assignment:
            assignment = get_assignment(args.assignment, args.config)
        else:
            return fail("give --kit DIR (a practice kit) or --assignment NAME (course root)")
        notebook = args.notebook
        if args.find_notebook:
            found = practice.find_notebook(Path(args.find_notebook), assignment)
            if found is None:
                return fail(f"no notebook in {args.find_notebook}: expected {assignment.notebook}")
            notebook = found
        if not notebook:
            return fail("give the notebook to grade")
        require_level(args.sandbox)   # a forced level that cannot run: one line before grading
        with practice.practice_salt():
            try:
                result = grade_notebook(notebook, assignment, practice=True, lang=args.lang, level=args.sandbox)
            except NotebookError as exc:
                if not Path(notebook).is_file():
                    raise
                result = practice.unreadable_result(Path(notebook), assignment, exc, args.lang)
    except (ConfigError, NotebookError, GraderError, practice.KitError, SandboxUnavailable) as exc:
        return fail(str(exc))
    text = render(result, args.format)
    # JSON escapes line breaks inside strings, so no line of it can be a workflow command.
    text = text + "\n" if args.format == "json" else neutralize(text)
    try:
        emit(text, args.out)
    except OSError as exc:
        return fail(f"cannot write {args.out}: {exc.strerror}")
    return 0


def run(args, fail) -> int | None:
    """Run a CI subcommand; None if ``args`` is not one."""
    from ..config import ConfigError, get_assignment
    from .practice import KitError
    if args.command == "practice":
        return _practice(args, fail)
    if args.command not in ("github", "classroom50"):
        return None
    try:
        if args.command == "github" and args.action == "init":
            from .github import init_template
            path = init_template(get_assignment(args.assignment, args.config), Path(args.dest))
            print(f"template repository written to {path}; push it to GitHub and mark it as a template")
            return 0
        if args.command == "github":
            from .github import report
            return report(Path(args.result), Path(args.feedback) if args.feedback else None)
        if args.action == "bundle":
            from .classroom50 import bundle
            path = bundle(get_assignment(args.assignment, args.config), Path(args.dest))
            print(f"classroom50 autograder written to {path}; copy it to <classroom>/autograders/<slug>/")
            return 0
        from .classroom50 import write_contract
        return write_contract(Path(args.kit), Path(args.result))
    except (ConfigError, KitError, OSError) as exc:
        return fail(str(exc))
