"""Integrations with the places where grading runs outside a plain nbgrader course:
GitHub Actions and classroom50 (per-push practice tier, trusted deadline grading),
repository collection, and LMS/autograder platforms (Gradescope, Canvas)."""
