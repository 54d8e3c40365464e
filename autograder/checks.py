"""Public path of ``autograder.engine.checks``, kept for hidden test suites (``from autograder.checks import ...``).

Instructors' hidden tests import this name; the code lives in ``autograder.engine.checks``, and this name is the same
module object.  Nothing inside the package imports this path (import contract in pyproject.toml).
"""
import importlib
import sys

sys.modules[__name__] = importlib.import_module("autograder.engine.checks")
