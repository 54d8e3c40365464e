"""What runs inside the sandbox: the worker program and the modules it imports.

The sandbox gets a private copy of every module of this folder (``autograder.sandbox.launch``), where they
import each other as top-level modules.  The grader imports ``codec`` from here, the same file.

May import: the standard library, numpy, and each other (by bare name).  Must never import anything else
of ``autograder``: in the sandbox the package is not there (import contract in pyproject.toml).
"""
