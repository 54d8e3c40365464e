"""The pytest plugin behind an assignment's hidden suites, in the trusted process.

Hidden tests are ordinary pytest files, run by :mod:`autograder.engine.suites`.
:class:`GradingPlugin` provides the fixtures the suites use (``student``,
``ref``, ``tol``, ``rng``, ``settings``, ``note``), the ``title`` and
``weight`` markers, and records every test's outcome.  Student code is only ever reached through
the ``student`` fixture, i.e. through the sandboxed worker session.

What a student may see of a failure is decided here: the message of an
``autograder.engine.checks.CheckFailure`` or of a ``StudentError``, never the hidden
test's source or its assertion rewriting.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from .expected import CachedReference
from .question_budget import STRIKES, GivenUp, QuestionBudget, QuestionBudgetSpent
from .salt import PUBLIC, Salt
from ..sandbox.session import (StudentCrash, StudentError, StudentException, StudentMissing,
                      StudentProtocolError, StudentTimeout)
from ..feedback.explain import with_explanations
from ..feedback.hints import explain_error, explain_return, load_explainers
from ..feedback.texts import say

_TEST_TEXT_LIMIT = 2000
_NOTE_LIMIT = 500      # one remark on a passed test
_NOTES = pytest.StashKey[list]()   # the remarks of one test item, from the note fixture


@dataclass
class Outcome:
    """What happened to one hidden test."""
    question: str
    nodeid: str
    title_en: str
    title_ko: str
    weight: float
    passed: bool
    message_en: str = ""
    message_ko: str = ""
    grader_error: bool = False
    not_implemented: bool = False
    hints: list[str] = field(default_factory=list)   # ids of the explanations added (autograder.feedback.explain)


@dataclass
class SuiteRun:
    outcomes: list[Outcome] = field(default_factory=list)
    collection_errors: list[str] = field(default_factory=list)
    duration_s: float = 0.0


#: After this many failures (time-outs, worker deaths; see autograder.question_budget) of one
#: function, its remaining tests fail at once: a function that hangs must not cost (tests x call limit) seconds.
TIMEOUT_STRIKES = STRIKES


class BudgetExhausted(StudentError):
    """The submission's overall time budget is spent; remaining calls are not made."""
    kind = "budget"


#: Helper calls are answered by reference code in the grader with arguments the
#: student chooses; refuse sizes no exercise needs (zero_pad(X, 10**6) would
#: otherwise make the grader itself allocate gigabytes).
MAX_HELPER_INT = 100_000
MAX_HELPER_ELEMENTS = 1 << 22


def _too_big(value) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, (int, np.integer)):
        return abs(int(value)) > MAX_HELPER_INT
    if isinstance(value, np.ndarray):
        return value.size > MAX_HELPER_ELEMENTS
    if isinstance(value, (list, tuple)):
        return any(_too_big(v) for v in value)
    if isinstance(value, dict):
        return any(_too_big(v) for v in value.values())
    return False


def guarded_helper(name: str, function):
    """Wrap a trusted reference helper so hostile arguments cannot exhaust the grader."""
    def helper(*args, **kwargs):
        if _too_big(args) or _too_big(kwargs):
            raise ValueError(f"{name}() was called with arguments far larger than this exercise needs")
        return function(*args, **kwargs)
    helper.__name__ = name
    return helper


class StudentProxy:
    """The ``student`` fixture: calls one question's function in the worker."""

    def __init__(self, engine: "GradingPlugin", question: str, helpers: dict[str, Any]):
        self._engine = engine
        self._question = question
        self._helpers = helpers

    def call_full(self, *args, **kwargs):
        return self._engine.call(self._question, args, kwargs, self._helpers, return_args=True)

    def __call__(self, *args, **kwargs):
        return self._engine.call(self._question, args, kwargs, self._helpers, return_args=False).value

    def harness(self, name: str, *args, **kwargs):
        """Call ``module:function`` from the assignment's shipped files in the worker,
        with the notebook namespace as first argument (see worker.py); plain data back."""
        return self._engine.call(name, args, kwargs, self._helpers, return_args=False).value

    def fn(self, name: str):
        def call(*args, **kwargs):
            return self._engine.call(name, args, kwargs, {}, return_args=False).value
        return call


def _student_error_text(exc: StudentError, lang: str, limits) -> tuple[str, bool]:
    """(message, not_implemented) for a failure caused by the student's code."""
    if isinstance(exc, StudentException):
        if getattr(exc, "type_name", "") == "NotImplementedError":
            return say("not_implemented", lang), True
        text = say("raised", lang, type=exc.type_name, message=str(getattr(exc, "message", ""))[:300])
        line = getattr(exc, "line", None)
        if line:
            text += say("raised_where", lang, line=line)
        tb = getattr(exc, "traceback", "")
        if tb:
            text += "\n" + str(tb)[-800:]
        return text, False
    if isinstance(exc, StudentMissing):
        return say("missing", lang, name=getattr(exc, "func", "") or getattr(exc, "name", "?")), False
    if isinstance(exc, GivenUp):
        if exc.timeouts_only:
            return say("given_up", lang, strikes=exc.failures), False
        return say("given_up_failed", lang, failures=exc.failures), False
    if isinstance(exc, QuestionBudgetSpent):
        return say("question_budget", lang, seconds=exc.seconds), False
    if isinstance(exc, BudgetExhausted):
        return say("budget", lang, seconds=limits.submission_timeout_s), False
    if isinstance(exc, StudentTimeout):
        return say("timeout", lang, seconds=getattr(exc, "seconds", None) or limits.call_timeout_s), False
    if isinstance(exc, StudentCrash):
        return say("crash", lang, detail=str(getattr(exc, "message", exc))[:200]), False
    if isinstance(exc, StudentProtocolError):
        return say("protocol", lang, detail=str(getattr(exc, "message", exc))[:200]), False
    return say("crash", lang, detail=type(exc).__name__), False


def _error_hints(exc: StudentError, module) -> list[tuple[str, str]]:
    """Hints a hidden suite declares for exceptions raised by student code.

    A suite module may define ``STUDENT_ERROR_HINTS = [(type_name, message_part, en, ko), ...]``
    (e.g. the TypeError of ``float(b)`` on NumPy 2.4).
    """
    if not isinstance(exc, StudentException) or module is None:
        return []
    hints = []
    for type_name, fragment, en, ko in getattr(module, "STUDENT_ERROR_HINTS", ()):
        if exc.type_name == type_name and fragment in str(exc.message):
            hints.append((en, ko))
    return hints


class GradingPlugin:
    """pytest plugin object: fixtures, markers and outcome recording."""

    def __init__(self, assignment, question_of_file: dict[Path, str], salt: Salt = PUBLIC):
        self.assignment = assignment
        self.explainers = load_explainers(getattr(assignment, "explainer_paths", ()))   # the exercise's own hints
        self.salt = salt
        self.question_of_file = {p.resolve(): q for p, q in question_of_file.items()}
        self.collection_errors: list[str] = []    # files that failed to import (kept for every submission)
        self._question_of_item: dict[str, str] = {}
        self.begin(None, None)

    def begin(self, session, reference, deadline: float | None = None, helpers: bool = True) -> None:
        """Forget the previous submission: the next tests call ``session`` and compare with ``reference``."""
        self.session = session
        self.reference = reference
        self.deadline = deadline
        self.helpers = helpers    # answer declared helpers with the reference (False: the student's own)
        self.budget = QuestionBudget(deadline, {}, 0.0)    # replaced by plan() when the suites run
        self.question_now = ""
        self.returns: list[tuple[str, Any]] = []     # (function, value) of the current test's calls
        self.run = SuiteRun()

    def plan(self, items) -> None:
        """The tests about to run: each question's share of the time limit follows its number of tests."""
        counts: dict[str, int] = {}
        for item in items:
            question = self.question_of(item)
            counts[question] = counts.get(question, 0) + 1
        self.budget = QuestionBudget(self.deadline, counts, self.assignment.limits.call_timeout_s)

    def question_of(self, item) -> str:
        """The question a collected test belongs to ("" if its file is not one of the suites)."""
        known = self._question_of_item.get(item.nodeid)
        if known is None:   # resolving paths for every hook call of every test costs more than the hook
            known = self._question_of_item[item.nodeid] = self.question_of_file.get(
                Path(str(item.path)).resolve(), "")
        return known

    # -- calls into the worker -------------------------------------------------
    def call(self, func: str, args, kwargs, helpers, *, return_args: bool):
        limits = self.assignment.limits
        timeout = limits.call_timeout_s
        if self.deadline is not None:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0.05:
                raise BudgetExhausted("submission time budget exhausted")
            timeout = min(timeout, remaining)
        left = self.budget.check(self.question_now, func)
        cut = left is not None and left < timeout    # the question's share, not the call's limit, ends this call
        if cut:
            timeout = left
        try:
            result = self.session.call(func, *args, helpers=helpers, return_args=return_args,
                                       timeout=timeout, **kwargs)
            self.returns.append((func, result.value))    # read by _explain if the test fails
            return result
        except StudentMissing as exc:
            exc.func = func
            raise
        except (StudentTimeout, StudentCrash, StudentProtocolError) as exc:
            if cut and isinstance(exc, StudentTimeout):   # not the function's fault alone: no strike, say why
                raise self.budget.spent(self.question_now) from None
            self.budget.failed(func, exc)
            raise

    def _question(self, request) -> str:
        return self.question_of(request.node)

    # -- fixtures --------------------------------------------------------------
    @pytest.fixture
    def student(self, request) -> StudentProxy:
        question = self.assignment.question(self._question(request))
        names = question.helpers if self.helpers else []
        helpers = {name: guarded_helper(name, getattr(self.reference, name)) for name in names}
        return StudentProxy(self, question.name, helpers)

    @pytest.fixture
    def ref(self):
        """The reference, each function computed once per suites session for equal inputs
        (:mod:`autograder.engine.expected`)."""
        return CachedReference(self.reference)

    @pytest.fixture
    def tol(self):
        return self.assignment.tolerance

    @pytest.fixture
    def settings(self, request) -> dict:
        """The question's ``settings`` from grading.yml (a copy)."""
        return dict(self.assignment.question(self._question(request)).settings)

    @pytest.fixture
    def note(self, request):
        """``note(en, ko)``: a remark shown with the test when it passes (e.g. the accuracy it measured)."""
        notes: list[tuple[str, str]] = []
        request.node.stash[_NOTES] = notes           # read back in _record

        def add(en: str, ko: str | None = None) -> None:
            notes.append((str(en)[:_NOTE_LIMIT], str(ko if ko is not None else en)[:_NOTE_LIMIT]))
        return add

    @pytest.fixture
    def rng(self, request):
        """The test's random generator: seeded by the grading context's salt, the assignment and the test id."""
        test_id = request.node.nodeid.split("::", 1)[-1]
        return np.random.default_rng(self.salt.seed(self.assignment.name, test_id))

    # -- hooks -----------------------------------------------------------------
    def pytest_configure(self, config):
        config.addinivalue_line("markers", "title(en, ko): the test's name shown to students")
        config.addinivalue_line("markers", "weight(w): share of the question's points (default 1)")

    @pytest.hookimpl(tryfirst=True)     # before fixtures are set up: a fixture may call the student
    def pytest_runtest_setup(self, item):
        self.returns = []
        self.question_now = self.question_of(item)
        self.budget.start(self.question_now)

    def pytest_collectreport(self, report):
        if report.failed:
            self.collection_errors.append(f"{report.nodeid}: {str(report.longrepr)[-1500:]}")

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        if report.when == "call" or (report.when == "setup" and report.failed) or report.skipped:
            if report.when == "teardown":
                return
            self._record(item, call, report)

    def _record(self, item, call, report) -> None:
        title = item.get_closest_marker("title")
        weight = item.get_closest_marker("weight")
        title_en = (title.kwargs.get("en") or (title.args[0] if title.args else None)) if title else None
        title_en = title_en or item.name
        title_ko = (title.kwargs.get("ko") if title else None) or title_en
        outcome = Outcome(question=self.question_of(item) or "?",
                          nodeid=item.nodeid, title_en=title_en, title_ko=title_ko,
                          weight=float(weight.args[0]) if weight else 1.0, passed=report.passed)
        if report.skipped:
            # A skipped hidden test is the instructor's choice: it does not count.
            outcome.weight = 0.0
            outcome.passed = True
        elif report.passed:
            notes = item.stash.get(_NOTES, [])
            outcome.message_en = "\n".join(en for en, _ in notes)
            outcome.message_ko = "\n".join(ko for _, ko in notes)
        elif report.failed:
            self._explain(outcome, call.excinfo, getattr(item, "module", None))
        self.run.outcomes.append(outcome)

    def _explain(self, outcome: Outcome, excinfo, module=None) -> None:
        from .checks import CheckFailure  # the hidden suites' assertion library
        exc = excinfo.value if excinfo is not None else None
        limits = self.assignment.limits
        if isinstance(exc, CheckFailure):
            outcome.message_en = exc.text("en")[:_TEST_TEXT_LIMIT]
            outcome.message_ko = exc.text("ko")[:_TEST_TEXT_LIMIT]
            found = [e for func, value in self.returns
                     for e in explain_return(func, value, **self._notebook(), extra=self.explainers)]
            self._add_explanations(outcome, found or list(exc.diagnosis))   # specific explainers first
        elif isinstance(exc, StudentError):
            outcome.message_en, outcome.not_implemented = _student_error_text(exc, "en", limits)
            outcome.message_ko, _ = _student_error_text(exc, "ko", limits)
            for en, ko in _error_hints(exc, module):
                outcome.message_en += "\nHint: " + en
                outcome.message_ko += "\n힌트: " + ko
            timeout = getattr(exc, "seconds", None) or limits.call_timeout_s
            self._add_explanations(outcome, explain_error(
                exc, **self._notebook(), timeout_s=timeout if isinstance(exc, StudentTimeout) else None,
                extra=self.explainers))
        elif isinstance(exc, AssertionError):
            outcome.message_en, outcome.message_ko = say("hidden_check", "en"), say("hidden_check", "ko")
        else:
            # A bug in a hidden test or the engine, not in the submission: flag it for the TA.
            detail = type(exc).__name__ if exc is not None else "unknown"
            outcome.grader_error = True
            outcome.message_en = say("grader_error", "en", detail=detail)
            outcome.message_ko = say("grader_error", "ko", detail=detail)

    def _notebook(self) -> dict:
        """The cells the worker ran, the callables they defined, the cells' load errors (for explanations)."""
        report = getattr(self.session, "load_report", None)
        errors = {c.index: f"{c.error.type_name}: {c.error.message}" + (f" (line {c.error.line})" if c.error.line else "")
                  for c in (report.cells if report else []) if c.error is not None}
        return {"cells": list(getattr(self.session, "cells", [])), "names": list(report.names if report else []),
                "load_errors": errors}

    @staticmethod
    def _add_explanations(outcome: Outcome, explanations) -> None:
        outcome.message_en, outcome.message_ko, outcome.hints = with_explanations(
            outcome.message_en, outcome.message_ko, outcome.hints, explanations, _TEST_TEXT_LIMIT)
