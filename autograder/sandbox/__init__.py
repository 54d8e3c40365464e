"""The untrusted side and its wire: where student code runs, and how its answers come back.

- ``inside/``: the worker program and the modules it imports (``worker``, ``codec``, ``exc_facts``). These
  files are copied into the sandbox and run there; they import only the standard library, numpy and
  each other.
- ``launch`` (sandbox levels L0-L2 and worker start-up), ``levels`` (a required level), ``slots`` (one uid per
  worker), ``session`` (the grader's end of the channel), ``speculation`` (checking speculative helper
  answers), ``facts`` (the grader's reading of what a worker says about an exception), ``fonts`` (matplotlib's
  font list, built once, for the workers to start with).

May import: the standard library, numpy, and the shared leaves (``autograder.config``, ``autograder.results``).
Must never import: ``autograder.engine``, ``autograder.feedback``, ``autograder.course``, ``autograder.ci``,
``autograder.cli``, or nbgrader (checked by the import contracts in pyproject.toml).
"""
