"""The grading engine for one submission: load the notebook, check its source, start a sandboxed worker,
run the hidden suites against it, score.

``grader`` puts the steps in order; ``notebook`` reads submissions, ``policy`` checks their source, ``salt``
draws the hidden inputs, ``suites`` and ``runner`` run the hidden pytest suites (the ``runner`` plugin owns
the fixtures hidden tests use: ``student``, ``ref``, ``tol``, ``rng``, ``settings``, ``note``), ``checks`` is
their assertion library, ``expected`` caches reference values, ``reference`` and ``answers`` load or replay
the reference solution, ``scoring`` turns outcomes into points.

May import: ``autograder.feedback`` (explanations, messages), ``autograder.sandbox`` and the shared leaves.
Must never import: ``autograder.course``, ``autograder.ci``, ``autograder.cli``, or nbgrader.
"""
