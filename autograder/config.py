"""Load and validate ``grading.yml``: the per-assignment grading policy.

Assignments are data: adding one means a ``source/<name>/`` folder and an entry
here, never a change to the engine.  Every mistake in the file (unknown key,
wrong type, a question without tests, a missing notebook) is reported as one
:class:`ConfigError` line naming the key, before any student code runs.
"""
from __future__ import annotations

import ast
import functools
import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator


#: libyaml's parser where PyYAML was built with it (10x faster; the same documents and errors), else PyYAML's own.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ConfigError(Exception):
    """grading.yml is missing or wrong; ``str()`` is one line for the TA."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Tolerance(_Strict):
    rtol: float = Field(ge=0)
    atol: float = Field(ge=0)


class Tolerances(_Strict):
    float64: Tolerance = Tolerance(rtol=1e-6, atol=1e-8)
    float32: Tolerance = Tolerance(rtol=1e-4, atol=1e-5)


class Limits(_Strict):
    call_timeout_s: float = Field(10, gt=0)
    load_timeout_s: float = Field(60, gt=0)
    submission_timeout_s: float = Field(300, gt=0)
    memory_mb: int = Field(4096, ge=256)


class Question(_Strict):
    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    points: float = Field(gt=0)
    tests: list[str] = Field(min_length=1)
    helpers: list[str] = []
    #: Free-form values the question's hidden tests read through the ``settings``
    #: fixture (e.g. an accuracy threshold), so that policy stays in grading.yml.
    settings: dict[str, bool | int | float | str] = {}
    #: Hidden test functions (their names, the ``id`` of JSON results) that the
    #: practice tier may run and ship to students; all others stay hidden.
    public: list[str] = []

    @field_validator("public")
    @classmethod
    def _test_function_names(cls, names: list[str]) -> list[str]:
        for name in names:
            if not re.fullmatch(r"test_[A-Za-z0-9_]*", name):
                raise ValueError(f"public: '{name}' is not a test function name (test_..., no [parameters])")
        return names


class _AssignmentFields(_Strict):
    feedback_language: Literal["ko", "en"] | None = None
    forbidden_modules: list[str] | None = None
    tolerance: Tolerances | None = None
    limits: Limits | None = None


class Defaults(_AssignmentFields):
    pass


class AssignmentEntry(_AssignmentFields):
    notebook: str
    questions: list[Question] = Field(min_length=1)
    # Python files under source/<assignment>/, each defining EXPLAINERS: this exercise's own hints
    # (autograder.feedback.hints), asked after the engine's generic explainers.
    explainers: list[str] = []

    @field_validator("questions")
    @classmethod
    def _unique_names(cls, questions: list[Question]) -> list[Question]:
        names = [q.name for q in questions]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"question names must be unique, repeated: {', '.join(duplicates)}")
        return questions

    @model_validator(mode="after")
    def _helpers_are_questions(self) -> "AssignmentEntry":
        known = {q.name for q in self.questions}
        for q in self.questions:
            unknown = [h for h in q.helpers if h not in known]
            if unknown:
                raise ValueError(f"question {q.name}: helpers {unknown} are not questions of this assignment")
        return self


class GradingFile(_Strict):
    defaults: Defaults = Defaults()
    assignments: dict[str, AssignmentEntry] = Field(min_length=1)


class Assignment:
    """One assignment's resolved policy (defaults applied, paths resolved)."""

    def __init__(self, name: str, entry: AssignmentEntry, defaults: Defaults, course_root: Path):
        self.name = name
        self.course_root = course_root
        self.source_dir = course_root / "source" / name
        self.release_dir = course_root / "assignments" / name
        self.notebook = entry.notebook
        self.questions = list(entry.questions)
        self.explainers = list(entry.explainers)
        self.feedback_language = entry.feedback_language or defaults.feedback_language or "en"
        self.forbidden_modules = list(
            entry.forbidden_modules if entry.forbidden_modules is not None else defaults.forbidden_modules or [])
        self.tolerance = entry.tolerance or defaults.tolerance or Tolerances()
        self.limits = entry.limits or defaults.limits or Limits()

    @property
    def source_notebook(self) -> Path:
        return self.source_dir / self.notebook

    @property
    def max_score(self) -> float:
        return sum(q.points for q in self.questions)

    def question(self, name: str) -> Question:
        for q in self.questions:
            if q.name == name:
                return q
        raise KeyError(name)

    @property
    def explainer_paths(self) -> list[Path]:
        return [self.source_dir / e for e in self.explainers]

    def test_paths(self, question: Question) -> list[Path]:
        return [self.source_dir / t for t in question.tests]

    def __repr__(self) -> str:
        return f"Assignment({self.name!r}, {len(self.questions)} questions, {self.max_score:g} points)"


def _describe(error: ValidationError, path: Path) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "(top level)"
    if first["type"] == "extra_forbidden":
        return f"{path}: unknown key '{where}'; check its spelling against the comments at the top of grading.yml"
    if first["type"] == "missing":
        return f"{path}: required key '{where}' is missing"
    return f"{path}: {where}: {first['msg']} (got {first.get('input')!r})"


def load_grading(path: str | Path = "grading.yml", *, require_sources: bool = True) -> dict[str, Assignment]:
    """Parse and validate grading.yml; return the assignments by name.

    ``require_sources=False`` is for the student side (``autograder check``),
    where the instructor's source notebooks and hidden tests are absent.
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: grading file not found; run from the course root or pass --config")
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ConfigError(f"{path}: not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping with an 'assignments' key")
    try:
        parsed = GradingFile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, path)) from None
    root = path.resolve().parent
    assignments = {name: Assignment(name, entry, parsed.defaults, root)
                   for name, entry in parsed.assignments.items()}
    for a in assignments.values() if require_sources else ():
        if not a.source_notebook.is_file():
            raise ConfigError(f"{path}: assignments.{a.name}.notebook: {a.source_notebook} does not exist")
        for explainer in a.explainer_paths:
            if not explainer.is_file():
                raise ConfigError(f"{path}: assignments.{a.name}.explainers: {explainer} does not exist")
        for q in a.questions:
            for test in a.test_paths(q):
                if not test.is_file():
                    raise ConfigError(f"{path}: assignments.{a.name} question {q.name}: "
                                      f"hidden test file {test} does not exist")
            _check_public(path, a, q)
    return assignments


def test_functions(path: Path) -> set[str]:
    """Names of the top-level ``test_*`` functions of a pytest file (without running it)."""
    try:
        stat = Path(path).stat()
    except OSError:
        return set()
    return set(_test_functions(str(path), stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=256)
def _test_functions(path: str, mtime_ns: int, size: int) -> frozenset[str]:
    # Keyed by the file's mtime and size as well: a file edited in a long-lived process is parsed again.
    # grading.yml names the same few files for many questions, and every command reads it at least once.
    try:
        tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return frozenset()
    return frozenset(node.name for node in tree.body
                     if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test_"))


def _check_public(path: Path, assignment: "Assignment", question: Question) -> None:
    defined = set().union(*(test_functions(t) for t in assignment.test_paths(question)))
    for name in question.public:
        if name not in defined:
            raise ConfigError(f"{path}: assignments.{assignment.name} question {question.name}: public test "
                              f"'{name}' is not a test function of {', '.join(question.tests)}")


def get_assignment(name: str, path: str | Path = "grading.yml", *, require_sources: bool = True) -> Assignment:
    assignments = load_grading(path, require_sources=require_sources)
    if name not in assignments:
        known = ", ".join(sorted(assignments)) or "none"
        raise ConfigError(f"unknown assignment '{name}' (grading.yml defines: {known})")
    return assignments[name]
