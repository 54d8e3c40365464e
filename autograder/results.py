"""The result of grading one submission: plain dataclasses, written by report.py."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

PASSED, FAILED, ERROR = "passed", "failed", "error"


@dataclass
class TestResult:
    __test__ = False  # not a pytest test class, despite the name

    name: str
    score: float
    max_score: float
    status: str            # passed | failed | error (error = the grader could not run it)
    output: str = ""       # student-facing explanation, already in the report language
    id: str = ""           # the hidden test's function name: stable across languages and title edits
    hints: list[str] = field(default_factory=list)   # ids of the recognised mistakes explained in output


@dataclass
class QuestionResult:
    name: str
    score: float
    max_score: float
    tests: list[TestResult] = field(default_factory=list)
    summary: str = ""      # one line for the whole question (e.g. "not implemented yet")


@dataclass
class GradeResult:
    assignment: str
    score: float
    max_score: float
    sandbox: str
    duration_s: float
    questions: list[QuestionResult] = field(default_factory=list)
    language: str = "en"
    notebook: str = ""
    notes: list[str] = field(default_factory=list)         # notebook-level remarks (cell errors...)
    timings: dict[str, float] = field(default_factory=dict)
    salt_digest: str = ""  # fingerprint of the salt that drew the hidden tests' inputs (autograder.engine.salt), never the salt

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "GradeResult":
        """The inverse of :meth:`to_dict` (stored results carry extra keys, which are ignored)."""
        questions = [QuestionResult(q["name"], q["score"], q["max_score"],
                                    [TestResult(**{k: t[k] for k in ("name", "score", "max_score", "status", "output")},
                                                id=t.get("id", ""))
                                     for t in q.get("tests", [])], q.get("summary", ""))
                     for q in data["questions"]]
        return cls(assignment=data["assignment"], score=data["score"], max_score=data["max_score"],
                   sandbox=data.get("sandbox", "-"), duration_s=data.get("duration_s", 0.0),
                   questions=questions, language=data.get("language", "en"),
                   notebook=data.get("notebook", ""), notes=data.get("notes", []),
                   timings=data.get("timings", {}), salt_digest=data.get("salt_digest", ""))


def round_points(value: float) -> float:
    """Scores are shown with two decimals; keep sums exact enough for gradebooks."""
    return round(value + 0.0, 4)
