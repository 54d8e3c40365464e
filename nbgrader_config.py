"""nbgrader configuration: the repository root is the course directory.

source/       instructor notebooks (solutions marked) and hidden tests
assignments/  the released student version (nbgrader generate_assignment)
solutions/    the solution version (nbgrader generate_solution)
"""
c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file

c.CourseDirectory.root = "."
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "assignments"
c.CourseDirectory.solution_directory = "solutions"
c.CourseDirectory.course_id = "cnn-course"
# Hidden suites live next to the source notebook but must never be copied into
# the student release (nbgrader copies every other file of source/<name>/).
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".*",
    "hidden_tests",
]
# Released notebooks must not depend on the instructor's kernel state.
c.ClearOutput.enabled = True
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
