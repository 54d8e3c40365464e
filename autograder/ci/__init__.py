"""Integrations with the places where grading runs outside a plain nbgrader course: GitHub Actions and
classroom50 (per-push practice tier, trusted deadline grading), repository collection and hand-back, and
LMS/autograder platforms (Gradescope, Canvas).

May import: ``autograder.course``, ``autograder.engine``, ``autograder.feedback``, ``autograder.sandbox`` and
the shared leaves.  Must never import: ``autograder.cli`` (the command line imports this, not the reverse).
"""
