"""CNN course kit grading engine."""
