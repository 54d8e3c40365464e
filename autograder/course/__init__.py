"""The nbgrader course: nbgrader's commands with this engine behind ``nbgrader autograde``, and the class-wide
jobs around it.

``nbgrader_bridge`` (the preprocessor and hooks ``nbgrader_config.py`` names), ``repair`` and ``sanitize``
(what a submission folder and a rendered page may hold), ``grade_cells`` and ``feedback_page`` (the engine's
result inside nbgrader's notebooks and pages), ``batch`` with ``grading_pool``, ``pool_process`` and ``shards`` (a whole class,
in parallel, its grading processes forked, or split over a scheduler), ``record``/``record_gradebook``/``record_feedback`` (nbgrader's
gradebook and feedback pages, fast), ``archives`` and ``submissions`` (LMS exports, built submissions),
``release``, ``demo``, and ``nbgrader_cli``/``nbgrader_metadata`` (nbgrader's command and metadata check).

May import: ``autograder.engine``, ``autograder.feedback``, ``autograder.sandbox``, the shared leaves, nbgrader.
Must never import: ``autograder.ci`` or ``autograder.cli``.
"""
