"""nbgrader configuration: the repository root is the course directory.

source/       instructor notebooks (solutions marked) and hidden tests
assignments/  the released student version (nbgrader generate_assignment)
solutions/    the solution version (nbgrader generate_solution)
submitted/, autograded/, feedback/, downloaded/   nbgrader's usual run-time folders (git-ignored)
results/      the engine's per-student results and grade CSV (git-ignored)

Every nbgrader command works as documented; `nbgrader autograde` grades
through this project's sandboxed engine (autograder/nbgrader_bridge.py).
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

# --- nbgrader autograde -> the engine --------------------------------------------------
# nbgrader's default list with its first step, Execute (run the notebook in a
# Jupyter kernel), replaced by EngineGrade: student code runs only in the
# engine's sandbox, the hidden suites in the grader, and each question's score
# becomes the grade of its grade cell `test_<question>` (partial credit), with
# the engine's explanation as that cell's output.  Strings, so that commands
# which do not autograde never import the engine.
c.Autograde.autograde_preprocessors = [
    "autograder.course.nbgrader_bridge.EngineGrade",
    "autograder.course.sanitize.SanitizeNotebook",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
# Before a submission is read: a renamed notebook is graded under its released
# name, an empty/corrupt one as an empty submission, damaged metadata dropped;
# the student gets a note, the original stays in <submission>/.autograder/original/.
c.Autograde.pre_convert_hook = "autograder.course.nbgrader_bridge.prepare_hook"
# SanitizeNotebook (above, and here for feedback pages): no student HTML or script in
# any page rendered from a submission (feedback pages, formgrader): Markdown cells'
# raw HTML, rich outputs, raw HTML cells and notebook metadata are sanitised.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    "autograder.course.sanitize.SanitizeNotebook",
]
# Each feedback page opens with a table of the questions (score, what to look at), and a
# renamed notebook's page is also saved under the submitted name, so that
# `nbgrader release_feedback` / `fetch_feedback` deliver it to the student.
c.GenerateFeedback.post_convert_hook = "autograder.course.nbgrader_bridge.feedback_hook"
# Engine results (JSON per student) are stored here and reused while the
# graded code, grading.yml and the hidden suites are unchanged; set
# use_cache = False to force re-grading, lang = "en" for English feedback.
c.EngineGrade.results_directory = "results"
# c.EngineGrade.use_cache = True
# c.EngineGrade.lang = ""

# --- nbgrader zip_collect: the archive an LMS exports ------------------------------------
# Canvas "Download Submissions": <name>_[late_]<user id>_<submission id>_<file name>.
# A resubmission is named <file>-1.ipynb: it is collected under that name and
# graded as the released notebook (see pre_convert_hook above).
c.FileNameCollectorPlugin.named_regexp = (
    r".*/(?P<student_id>[^/_]+)_(?:late_|LATE_)?\d+_\d+_(?P<file_id>[^/]+)\.ipynb$"
)
# Only regular files are collected: a link left in downloaded/<a>/archive/ would otherwise be copied into
# submitted/ as a file holding whatever it points at (the hidden tests, the solutions).
c.ZipCollectApp.extractor_plugin = "autograder.course.zip_guard.RegularFilesExtractor"
# Moodle ("Download all submissions", one folder per participant) instead:
# c.FileNameCollectorPlugin.named_regexp = (
#     r".*/(?P<student_id>[^/_]+)_\d+_assignsubmission_file_/?(?P<file_id>[^/]+)\.ipynb$"
# )
