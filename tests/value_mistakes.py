"""A corpus of functions that return a wrong VALUE (none of them raises), for the generic
diagnosis (autograder/diagnose*.py, issue 19), and right variants that must get no hint.

The cases are in value_mistakes_forward.py, value_mistakes_backward.py (numpy) and
value_mistakes_transfer.py, written from the issue's classes of mistakes, not from tests/corpus:
each ``Case`` is one student cell (``source``), the question it answers, the diagnosis kind it must get
(``kind``; ``None`` for a right variant) and, when the default inputs of the question
cannot tell the mistake apart, the name of other ``inputs`` (see tests/test_feedback/test_value_diagnosis.py).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    name: str
    question: str
    kind: str | None        # diagnosis id without the "diagnose:" prefix; None: a right variant
    why: str
    source: str
    inputs: str = "default"

