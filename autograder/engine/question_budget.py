"""Each question's share of a submission's time limit, and when to stop calling a failing function.

One submission has one time limit (``submission_timeout_s``).  Spent first come, first served,
a function whose calls keep timing out, crashing the worker or sending unreadable replies (each
failure also costs a worker restart, the notebook's cells run again) could use all of it, and every
question graded after it would get "not run".  So:

* when a question's first test starts, it reserves its share of the time left, in proportion to
  its number of tests among the questions not yet started (at least one call's time limit);
  time a question leaves unused goes to the questions after it;
* a function stops being called after ``STRIKES`` failures: time-outs and worker deaths count
  one each, an unreadable reply counts them all at once (honest code never sends one; the
  worker was killed and a retry would only repeat it).

Generic: questions and functions are names, nothing here knows an assignment.
"""
from __future__ import annotations

import time

from ..sandbox.session import StudentCrash, StudentError, StudentProtocolError, StudentTimeout

#: Failures of one function before its remaining tests fail without calling it.
STRIKES = 2


class GivenUp(StudentError):
    """Not called: this function's failures reached STRIKES (``failures``: how many calls failed;
    ``timeouts_only``: all of them were time-outs)."""
    kind = "given_up"

    def __init__(self, message: str, failures: int, timeouts_only: bool = True):
        self.failures, self.timeouts_only = failures, timeouts_only
        super().__init__(message)


class QuestionBudgetSpent(StudentError):
    """Not called: this question's share of the submission's time limit is used up."""
    kind = "question_budget"

    def __init__(self, message: str, seconds: float):
        self.seconds = seconds
        super().__init__(message)


class QuestionBudget:
    """Shares and strikes for one submission's run of the hidden suites."""

    def __init__(self, deadline: float | None, tests_per_question: dict[str, int], min_share_s: float):
        self.deadline = deadline
        self.pending = dict(tests_per_question)     # questions not started yet -> their tests
        self.min_share_s = min_share_s
        self.ends: dict[str, float] = {}            # started question -> its own deadline
        self.shares: dict[str, float] = {}          # started question -> its share in seconds
        self.strikes: dict[str, int] = {}
        self.failures: dict[str, int] = {}
        self.timeouts_only: dict[str, bool] = {}

    def start(self, question: str, now: float | None = None) -> None:
        """Reserve ``question``'s share (at its first test; later calls change nothing)."""
        if question in self.ends or self.deadline is None:
            return
        now = time.monotonic() if now is None else now
        left = max(0.0, self.deadline - now)
        tests = self.pending.pop(question, 1)
        waiting = tests + sum(self.pending.values())
        share = min(left, max(left * tests / waiting, self.min_share_s))
        self.ends[question], self.shares[question] = now + share, share

    def time_left(self, question: str, now: float | None = None) -> float | None:
        """Seconds before ``question``'s own deadline (None: no limit)."""
        end = self.ends.get(question)
        if end is None:
            return None
        return end - (time.monotonic() if now is None else now)

    def check(self, question: str, func: str, now: float | None = None) -> float | None:
        """Raise if ``func`` must not be called for ``question`` any more; else the seconds left (or None)."""
        if self.strikes.get(func, 0) >= STRIKES:
            only, failures = self.timeouts_only.get(func, True), self.failures.get(func, 0)
            raise GivenUp(f"{func} failed {failures} times" + (" (time-outs)" if only else ""), failures, only)
        left = self.time_left(question, now)
        if left is not None and left <= 0.05:
            raise self.spent(question)
        return left

    def spent(self, question: str) -> QuestionBudgetSpent:
        return QuestionBudgetSpent(f"question {question} used its share of the time limit",
                                   round(self.shares.get(question, 0.0), 1))

    def failed(self, func: str, exc: BaseException) -> None:
        """Count a failed call of ``func``."""
        if isinstance(exc, StudentProtocolError):
            weight = STRIKES
        elif isinstance(exc, (StudentTimeout, StudentCrash)):
            weight = 1
        else:
            return
        self.strikes[func] = self.strikes.get(func, 0) + weight
        self.failures[func] = self.failures.get(func, 0) + 1
        self.timeouts_only[func] = self.timeouts_only.get(func, True) and isinstance(exc, StudentTimeout)
