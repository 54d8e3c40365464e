"""Gradescope programming assignments: build the autograder zip, and grade inside it.

``autograder gradescope build ASSIGNMENT OUT.zip`` writes the archive Gradescope asks
for (https://gradescope-autograders.readthedocs.io/en/latest/specs/): ``setup.sh`` and
``run_autograder`` at its root, then

    requirements.txt   the grader's exact pins (from this package's own metadata)
    kit/autograder/    the grader itself, as source: run with PYTHONPATH, nothing to build
    course/            grading.yml (this assignment only), source/<a>/ (source notebook =
                       reference solutions, hidden suites, data) and assignments/<a>/
                       (the released files the student's notebook may open)
    gradescope.json    which assignment, which feedback language
    salt               only when AUTOGRADER_SALT was set at build time

Gradescope's container is a trusted place: the hidden suites go into the zip, so the
zip is as private as they are.  Inside the container ``run_autograder`` calls
``autograder gradescope run``, which grades the uploaded notebook (any name) with the
same engine and sandbox as everywhere else and writes ``results/results.json`` with
the existing Gradescope writer.  The ``/autograder`` root is a parameter, so the tests
run the real ``run_autograder`` against a tree in a temporary folder.
"""
from __future__ import annotations

import importlib
import importlib.metadata
import json
import os
import sys
import tempfile
import time
import traceback
import zipfile
from pathlib import Path

import yaml

from ..config import ConfigError, get_assignment
from ..feedback.report import render, write_atomic
from ..results import GradeResult
from ..feedback.texts import say

SCRIPTS = Path(__file__).with_name("gradescope_files")
MANIFEST, COURSE, KIT, SALT = "gradescope.json", "course", "kit", "salt"
_PACKAGE = Path(__file__).resolve().parents[1]
_SKIP = {"__pycache__", ".ipynb_checkpoints"}
_FIXED_TIME = (2020, 1, 1, 0, 0, 0)   # same inputs, same zip bytes


class GradescopeError(Exception):
    """The autograder cannot be built or set up; ``str()`` is one line."""


# -- build --------------------------------------------------------------------------

def pinned_requirements() -> list[str]:
    """The grader's runtime requirements, exactly as pinned in pyproject.toml (extras left out)."""
    names = importlib.metadata.packages_distributions().get(_PACKAGE.name) or []
    for name in names:
        try:
            requires = importlib.metadata.requires(name) or []
        except importlib.metadata.PackageNotFoundError:
            continue
        return [r.split(";")[0].strip() for r in requires if not _for_an_extra(r)]
    raise GradescopeError("the grader's package metadata is missing: install the kit first (`make setup` "
                          "or `pip install -e .`)")


def _for_an_extra(requirement: str) -> bool:
    from packaging.requirements import Requirement
    marker = Requirement(requirement).marker
    return marker is not None and "extra" in str(marker)


def _tree(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*")
                  if p.is_file() and not _SKIP & set(p.relative_to(folder).parts) and p.suffix != ".pyc")


def _course_policy(config: Path, name: str) -> str:
    """grading.yml with only this assignment: the zip carries no other assignment's policy or tests."""
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["assignments"] = {name: data["assignments"][name]}
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def _entries(assignment, lang: str | None, salt: str | None) -> dict[str, tuple[bytes, int]]:
    """archive name -> (content, mode)."""
    entries = {name: ((SCRIPTS / name).read_bytes(), 0o755) for name in ("setup.sh", "run_autograder")}
    entries["requirements.txt"] = ("\n".join(pinned_requirements()).encode() + b"\n", 0o644)
    manifest = {"assignment": assignment.name, "notebook": assignment.notebook, "lang": lang}
    entries[MANIFEST] = (json.dumps(manifest, indent=1).encode() + b"\n", 0o644)
    for path in _tree(_PACKAGE):
        entries[f"{KIT}/{_PACKAGE.name}/{path.relative_to(_PACKAGE).as_posix()}"] = (path.read_bytes(), 0o644)
    root = assignment.course_root
    entries[f"{COURSE}/grading.yml"] = (_course_policy(root / "grading.yml", assignment.name).encode(), 0o644)
    for folder in (assignment.source_dir, assignment.release_dir):
        if folder.is_dir():
            for path in _tree(folder):
                entries[f"{COURSE}/{path.relative_to(root).as_posix()}"] = (path.read_bytes(), 0o644)
    if salt:
        entries[SALT] = (salt.encode(), 0o600)
    return entries


def build(assignment_name: str, out: str | Path, *, config: str | Path = "grading.yml",
          lang: str | None = None, salt: str | None = None) -> dict[str, tuple[bytes, int]]:
    """Write the Gradescope autograder zip for one assignment; return what went into it."""
    assignment = get_assignment(assignment_name, config)
    if not (assignment.release_dir / assignment.notebook).is_file():
        raise GradescopeError(f"{assignment.release_dir / assignment.notebook} not found: run "
                              f"`autograder release {assignment.name}` first (the student's notebook runs "
                              "next to the released files)")
    entries = _entries(assignment, lang, salt)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as handle, zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, (content, mode) in sorted(entries.items()):
                info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
                info.external_attr = (0o100000 | mode) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, content)
        os.chmod(tmp, 0o600)    # hidden suites inside: not for other users of this machine
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return entries


# -- inside the container -----------------------------------------------------------

def _visible(path: Path, top: Path) -> bool:
    """A notebook the student uploaded: no hidden or macOS metadata folders, no symlink
    (a link could point the trusted grader at the instructor's files)."""
    parts = path.relative_to(top).parts
    if any(part.startswith(".") or part == "__MACOSX" for part in parts):
        return False
    return not any((top.joinpath(*parts[:i + 1])).is_symlink() for i in range(len(parts)))


def choose_notebook(folder: Path, expected: str, lang: str) -> tuple[Path | None, str]:
    """The notebook to grade in an upload folder, and a note for the student ('' if none needed).

    One notebook: that one, whatever its name.  Several: the one named like the release
    (the shallowest if it appears in several folders).  Otherwise none, and the note says why.
    """
    folder = Path(folder)
    found = sorted((p for p in folder.rglob("*.ipynb") if p.is_file() and _visible(p, folder)),
                   key=lambda p: (len(p.relative_to(folder).parts), str(p)))
    names = [p.relative_to(folder).as_posix() for p in found]
    if len(found) == 1:
        return found[0], ""
    if not found:
        others = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                        if p.is_file() and _visible(p, folder))[:10] if folder.is_dir() else []
        listed = say("upload_found", lang, names=", ".join(others)) if others else ""
        return None, say("upload_no_notebook", lang, found=listed, expected=expected)
    named = [p for p in found if p.name == expected]   # shallowest first
    if named and (len(named) == 1 or len(named[0].parts) < len(named[1].parts)):
        chosen = named[0]
        others = ", ".join(n for p, n in zip(found, names) if p != chosen)
        return chosen, say("upload_chosen", lang, chosen=chosen.relative_to(folder).as_posix(), others=others)
    return None, say("upload_ambiguous", lang, names=", ".join(names[:10]), expected=expected)


def _load(root: Path):
    source = root / "source"
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
        name = manifest["assignment"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise GradescopeError(f"{source / MANIFEST}: missing or unreadable ({exc}); rebuild the zip with "
                              "`autograder gradescope build`") from None
    assignment = get_assignment(name, source / COURSE / "grading.yml")
    return assignment, manifest.get("lang") or assignment.feedback_language


def check(root: str | Path, echo=print) -> None:
    """setup.sh's last step: the grader imports, finds its assignment, and a sandbox works."""
    from ..sandbox.launch import probe
    importlib.import_module("autograder.engine.runner")
    assignment, lang = _load(Path(root))
    echo(f"autograder ready: {assignment.name}, {len(assignment.questions)} questions, "
         f"{assignment.max_score:g} points, feedback in {lang}, sandbox level {probe()}")


def _failure(message: str) -> str:
    return json.dumps({"score": 0.0, "output": message, "output_format": "text", "visibility": "visible",
                       "stdout_visibility": "hidden", "tests": []}, ensure_ascii=False, indent=2)


def run(root: str | Path = "/autograder", echo=print) -> int:
    """Grade ``<root>/submission`` and write ``<root>/results/results.json``; 0, or 1 if the
    grader itself failed (a results.json is written either way, as Gradescope asks)."""
    from ..course.nbgrader_bridge import grade_node, zero_result
    root, started, lang = Path(root), time.monotonic(), "en"
    try:
        assignment, lang = _load(root)
        notebook, note = choose_notebook(root / "submission", assignment.notebook, lang)
        if notebook is None:
            data = zero_result(assignment, lang, note, status="no_notebook")
        else:
            data = grade_node(None, assignment, lang=lang, notes=[note] if note else [], path=notebook)
        text, code = render(GradeResult.from_dict(data), "gradescope"), 0
        echo(f"{notebook.relative_to(root) if notebook else 'no notebook'}: {data['score']:g} / "
             f"{data['max_score']:g} ({data.get('status')}, sandbox {data.get('sandbox')}, "
             f"{time.monotonic() - started:.1f} s)")
    except Exception as exc:   # noqa: BLE001 - whatever broke, Gradescope must get a results.json
        # Gradescope keeps run_autograder's standard output in results/stdout (instructors only); its spec
        # promises nothing for standard error, so the traceback goes to stdout (run_autograder also
        # sends its standard error there).
        traceback.print_exc(file=sys.stdout)
        sys.stdout.flush()
        text, code = _failure(say("upload_grader_failed", lang, detail=f"{type(exc).__name__}: {exc}"[:200])), 1
    write_atomic(root / "results" / "results.json", text)
    return code


# -- command line -----------------------------------------------------------------------

def add_parser(sub, parser_class) -> None:
    gradescope = sub.add_parser("gradescope", help="build a Gradescope autograder zip, or grade inside one")
    actions = gradescope.add_subparsers(dest="action", required=True, parser_class=parser_class)
    build_p = actions.add_parser("build", help="write the autograder zip for one assignment")
    build_p.add_argument("assignment", help="assignment name from grading.yml")
    build_p.add_argument("out", help="the zip to write, e.g. autograder.zip")
    build_p.add_argument("--config", default="grading.yml", help="path to grading.yml (default: ./grading.yml)")
    build_p.add_argument("--lang", choices=["ko", "en"], help="feedback language (default: grading.yml)")
    for action, text in (("run", "grade <root>/submission into <root>/results/results.json (run_autograder)"),
                         ("check", "check an unpacked autograder (the last step of setup.sh)")):
        p = actions.add_parser(action, help=text)
        p.add_argument("--root", default=os.environ.get("AUTOGRADER_ROOT", "/autograder"),
                       help="the autograder tree (default: $AUTOGRADER_ROOT or /autograder)")


def main(args, fail) -> int:
    """``autograder gradescope ...``; ``fail(message)`` prints one line and returns the exit code."""
    if args.action in ("run", "check") and not (Path(args.root) / "source").is_dir():
        return fail(f"{args.root}: not an unpacked Gradescope autograder (no source/ folder); "
                    "pass --root or set AUTOGRADER_ROOT")
    if args.action == "run":
        return run(args.root)
    try:
        if args.action == "check":
            check(args.root)
            return 0
        salt = os.environ.get("AUTOGRADER_SALT") or None
        entries = build(args.assignment, args.out, config=args.config, lang=args.lang, salt=salt)
    except (ConfigError, GradescopeError) as exc:
        return fail(str(exc))
    except OSError as exc:
        return fail(f"cannot write {args.out}: {exc.strerror or exc}")
    size = Path(args.out).stat().st_size
    print(f"{args.out}: {len(entries)} files, {size / 1e6:.1f} MB, for {args.assignment}")
    print("salt: embedded from AUTOGRADER_SALT (keep the zip private; it holds the hidden suites anyway)" if salt
          else "salt: none (AUTOGRADER_SALT is not set): hidden inputs use the public default seed")
    return 0
