"""The practice kit: what the per-push tier ships into a student's repository.

A kit is a miniature course root that the ordinary engine grades from:

    grading.yml                    this assignment only, with its `public:` lists
    assignments/<A>/               the shipped files (harness, data, check modules), no notebook
    source/<A>/                    the same shipped files (suites load them from here)
    source/<A>/<test paths>        hidden test files cut down to their public tests (suite_extract)
    source/<A>/reference_answers.json   the reference's answers to exactly those tests' calls
    wheels/<grader>.whl            the grader itself, pinned by shipping it

Never in a kit: the source notebook (reference solution), non-public tests,
their cases or hints.  The kit is built in the trusted course: the extracted
suite is run once on the reference solution with a recording reference, and
must give full marks, or nothing is written.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from ..engine.answers import ANSWERS_FILE, RecordingReference, ReplayReference, UnrecordableCall
from ..config import Assignment, get_assignment, load_grading, test_functions
from ..engine.salt import Salt, salt_environment
from .suite_extract import ExtractError, SuiteExtractor

#: Public salt of the practice tier: its inputs are public anyway.  The
#: authoritative tier must use another, secret salt (AUTOGRADER_SALT secret).
PRACTICE_SALT = "practice"
WHEELS = "wheels"


class KitError(Exception):
    """The kit cannot be built; ``str()`` is one line for the instructor."""


def practice_salt():
    """Recorded answers are only valid for the inputs of the practice salt."""
    return salt_environment(Salt(PRACTICE_SALT, "practice"))


def shipped_files(assignment: Assignment) -> list[Path]:
    """The released files except the notebook (what the worker and the suites may load)."""
    if not assignment.release_dir.is_dir():
        raise KitError(f"{assignment.release_dir} does not exist: run 'autograder release {assignment.name}' first")
    return [p for p in sorted(assignment.release_dir.iterdir())
            if p.name != assignment.notebook and not p.name.startswith(".") and p.name != "__pycache__"]


def _copy(paths: list[Path], dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    for path in paths:
        if path.is_dir():
            shutil.copytree(path, dest / path.name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(path, dest / path.name)


def _kit_policy(assignment: Assignment) -> dict:
    questions = []
    for q in assignment.questions:
        entry = q.model_dump(exclude_defaults=True)
        entry.update(name=q.name, points=q.points, tests=list(q.tests))
        questions.append(entry)
    return {"assignments": {assignment.name: {
        "notebook": assignment.notebook,
        "feedback_language": assignment.feedback_language,
        "forbidden_modules": list(assignment.forbidden_modules),
        "explainers": list(assignment.explainers),
        "tolerance": assignment.tolerance.model_dump(),
        "limits": assignment.limits.model_dump(),
        "questions": questions}}}


def extract_public_suite(assignment: Assignment) -> dict[str, str]:
    """Relative path under source/<A>/ -> generated source of the public tests and their helpers."""
    extractors: dict[Path, SuiteExtractor] = {}
    for q in assignment.questions:
        if not q.public:
            continue
        for test in assignment.test_paths(q):
            folder = test.parent
            extractor = extractors.setdefault(folder, SuiteExtractor(folder))
            public = set(q.public) & test_functions(test)
            if public:
                extractor.add(test, public)
    files = {}
    try:
        for folder, extractor in extractors.items():
            for name, text in extractor.extract().items():
                files[str((folder / name).relative_to(assignment.source_dir))] = text
    except ExtractError as exc:
        raise KitError(str(exc)) from None
    return files


def build_wheel(dest: Path) -> Path:
    """Build the grader's wheel from its source tree (the editable checkout of the course)."""
    project = Path(__file__).resolve().parents[2]
    if not (project / "pyproject.toml").is_file():
        raise KitError("the grader's source tree (pyproject.toml) is not next to the installed package; "
                       "install the course kit from its checkout (pip install -e .)")
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ag-wheel-") as build:
        # Built from a private copy of what the wheel holds: setuptools writes build/ and *.egg-info into the tree
        # it builds, so two builds in the checkout at once (a template and a bundle) broke each other.
        tree = Path(build) / "src"
        tree.mkdir()
        for name in ("pyproject.toml", "README.md"):
            shutil.copy2(project / name, tree / name)
        shutil.copytree(project / "autograder", tree / "autograder",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        wheel_dir = Path(build) / "wheel"
        proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                               "--no-build-isolation", "--wheel-dir", str(wheel_dir), str(tree)],
                              capture_output=True, text=True)
        wheels = list(wheel_dir.glob("*.whl"))
        if proc.returncode != 0 or len(wheels) != 1:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no wheel produced"]
            raise KitError(f"building the grader wheel failed: {tail[0]}")
        target = dest / wheels[0].name
        shutil.copy2(wheels[0], target)
    return target


def _grade_reference(kit_assignment: Assignment, solution: Path, reference):
    from ..engine.grader import grade_notebook
    with practice_salt():
        return grade_notebook(solution, kit_assignment, practice=True, reference=reference, lang="en")


def _require_full_marks(result, what: str) -> None:
    missing = [f"{q.name}/{t.id}: {t.output.splitlines()[0] if t.output else t.status}"
               for q in result.questions for t in q.tests if t.score < t.max_score]
    if missing:
        raise KitError(f"the reference solution does not get full practice marks {what}: {'; '.join(missing)[:400]}")


def build_kit(assignment: Assignment, dest: Path, *, wheel: Path | None = None) -> Path:
    """Write the practice kit of ``assignment`` to ``dest`` (a new folder); return ``dest``."""
    dest = Path(dest)
    if dest.exists():
        raise KitError(f"{dest} already exists; choose a new folder")
    solution = assignment.course_root / "solutions" / assignment.name / assignment.notebook
    if not solution.is_file():
        raise KitError(f"{solution} does not exist: run 'autograder release {assignment.name}' first")
    shipped = shipped_files(assignment)
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".kit-", dir=dest.parent))   # same file system: rename is atomic
    try:
        source = staging / "source" / assignment.name
        _copy(shipped, staging / "assignments" / assignment.name)
        _copy(shipped, source)
        for relative in assignment.explainers:        # the exercise's hints: the practice tier explains as well
            (source / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(assignment.source_dir / relative, source / relative)
        for relative, text in extract_public_suite(assignment).items():
            (source / relative).parent.mkdir(parents=True, exist_ok=True)
            (source / relative).write_text(text, encoding="utf-8")
        (staging / "grading.yml").write_text(yaml.safe_dump(_kit_policy(assignment), sort_keys=False,
                                                             allow_unicode=True), encoding="utf-8")
        kit_assignment = get_assignment(assignment.name, staging / "grading.yml", require_sources=False)
        from ..engine.reference import load_reference
        recorder = RecordingReference(load_reference(assignment.source_notebook))
        try:
            _require_full_marks(_grade_reference(kit_assignment, solution, recorder), "(extracted suite)")
        except UnrecordableCall as exc:
            raise KitError(f"a public test of {assignment.name} cannot be shipped: {exc}") from None
        recorder.save(source / ANSWERS_FILE)
        _require_full_marks(_grade_reference(kit_assignment, solution, ReplayReference(source / ANSWERS_FILE)),
                            "(replaying the recorded answers)")
        if wheel is not None:
            _copy([wheel], staging / WHEELS)
        shutil.rmtree(source / ".pytest_cache", ignore_errors=True)
        for cache in staging.rglob("__pycache__"):
            shutil.rmtree(cache, ignore_errors=True)
        staging.rename(dest)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return dest


def kit_assignment(kit: Path) -> Assignment:
    """The one assignment a kit holds."""
    assignments = load_grading(Path(kit) / "grading.yml", require_sources=False)
    if len(assignments) != 1:
        raise KitError(f"{kit}/grading.yml must hold exactly one assignment")
    return next(iter(assignments.values()))


def find_notebook(folder: Path, assignment: Assignment) -> Path | None:
    """The student's notebook in a checkout: the released name, else the only notebook there."""
    named = Path(folder) / assignment.notebook
    if named.is_file():
        return named
    notebooks = [p for p in Path(folder).glob("*.ipynb") if p.is_file()]
    return notebooks[0] if len(notebooks) == 1 else None


def grade_practice(notebook: Path, kit: Path, *, lang: str | None = None, level: str | None = None):
    """Practice-grade one notebook from a kit (the command the workflow runs under sudo)."""
    from ..engine.grader import grade_notebook
    with practice_salt():
        return grade_notebook(notebook, kit_assignment(kit), practice=True, lang=lang, level=level)


def unreadable_result(notebook: Path, assignment: Assignment, error: Exception, lang: str | None):
    """A student's file that is not a readable notebook: a graded zero with a note, not a failed run."""
    from ..feedback.bridge_texts import say
    from ..course.nbgrader_bridge import zero_result
    from ..results import GradeResult
    lang = lang or assignment.feedback_language
    reason = str(error).split(": ", 1)[-1].split(";")[0]   # without the path and the instructor's advice
    note = say("unreadable", lang, name=Path(notebook).name, reason=reason)
    return GradeResult.from_dict(zero_result(assignment, lang, note, status="unreadable",
                                             notebook=Path(notebook).name))


def requirements_text(wheel_path: str) -> str:
    """Pinned requirements: the grader's own wheel plus its exact dependency pins."""
    from importlib.metadata import requires
    pins = [r for r in (requires("cnn-course-kit") or []) if "extra ==" not in r]
    lines = ["# Generated by autograder: the grader (shipped as a wheel) and its pinned dependencies.",
             "# PyTorch CPU wheels: no CUDA download on runners without a GPU.",
             "--extra-index-url https://download.pytorch.org/whl/cpu",
             f"./{wheel_path}"] + sorted(pins, key=str.lower)
    return "\n".join(lines) + "\n"


def dependencies_pinned() -> None:
    """Refuse to ship requirements that are not exact pins."""
    from importlib.metadata import requires
    loose = [r for r in (requires("cnn-course-kit") or []) if "extra ==" not in r and "==" not in r]
    if loose:
        raise KitError(f"dependencies must be pinned exactly in pyproject.toml: {', '.join(loose)}")
