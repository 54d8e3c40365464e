"""Public path of ``autograder.sandbox.inside.codec``, kept for hidden test suites (``from autograder.codec import ...``).

Instructors' hidden tests import this name; the code lives in ``autograder.sandbox.inside.codec``, and this name is the same
module object.  Nothing inside the package imports this path (import contract in pyproject.toml).
"""
import importlib
import sys

sys.modules[__name__] = importlib.import_module("autograder.sandbox.inside.codec")
