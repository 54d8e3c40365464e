"""The nbgrader course cycle with the standard commands, the engine behind `nbgrader autograde`.

One class goes through generate_assignment, release_assignment, fetch_assignment
and submit (each student with its own HOME), collect, autograde, generate_feedback,
release_feedback, fetch_feedback and export, in a copy of the course with a
temporary exchange.  The students are the awkward ones: a wrong answer (partial
credit), a student who submitted twice (the second time with edited locked cells and deleted cells), one who renamed the
notebook, one who submitted an empty file.

Each command runs as ``python -m autograder.course.nbgrader_cli``: nbgrader's own ``main`` with the product's
start-up settings (1.0 s a command instead of 2.5 s); tests/test_cli.py checks it gives the output and exit
status of ``python -m nbgrader``, and tests/test_course/test_record_equivalence.py runs stock autograde.
"""
from __future__ import annotations

import csv
import html
import json
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

import warm_cli
from nbformat.v4 import new_code_cell

from conftest import ASSIGNMENT, RELEASE_DIR, ROOT, SOLUTION_DIR, SOURCE_NOTEBOOK, copy_course, tool_env
from autograder.config import get_assignment
from autograder.feedback.report import format_points
from autograder.course.submissions import build_submission

NB = f"{ASSIGNMENT}.ipynb"
WRONG = ROOT / "tests" / "corpus" / ASSIGNMENT / "wrong"
COURSE_ID = "cnn-course"
POLICY = get_assignment(ASSIGNMENT, ROOT / "grading.yml")
POINTS = {q.name: q.points for q in POLICY.questions}
MARKER = "KERNEL-RAN-7f3a"


def nbgrader(*args, cwd: Path, home: Path, check: bool = True) -> subprocess.CompletedProcess:
    proc = warm_cli.module("autograder.course.nbgrader_cli", *args, cwd=cwd, env=tool_env(home), timeout=900)
    if check:
        assert proc.returncode == 0, f"nbgrader {args[0]}:\n{proc.stdout[-3000:]}\n{proc.stderr[-4000:]}"
    return proc


# -- what each student does between fetch and submit ------------------------------------

def partial(folder: Path) -> None:
    nb_path = build_submission(SOLUTION_DIR / NB, [WRONG / "conv_forward_no_stride.py"], folder / NB)
    nb = nbformat.read(nb_path, as_version=4)
    nb.cells.append(new_code_cell(f'import sys\nprint("{MARKER}")\nsys.stderr.write("{MARKER}")'))
    nbformat.write(nb, nb_path)


def tamper(folder: Path) -> None:
    nb = nbformat.read(SOLUTION_DIR / NB, as_version=4)
    by_id = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nb.cells}
    by_id["imports"].source = "import numpy as np\nnp = None  # edited a locked cell"
    by_id["test_zero_pad"].source = "pass  # no more checks"
    nb.cells.remove(by_id["test_pool_backward"])
    nb.cells.remove(by_id["intro"])
    nbformat.write(nb, folder / NB)


def renamed(folder: Path) -> None:
    build_submission(SOLUTION_DIR / NB, [WRONG / "zero_pad_one_side.py"], folder / "homework_final.ipynb")
    (folder / NB).unlink()


def empty(folder: Path) -> None:
    (folder / NB).write_bytes(b"")


def untouched(folder: Path) -> None:
    pass


#: entries left in a collected submission folder (unpacked by hand, a tar, a shared exchange) pointing at the
#: instructor's files; kind -> name in the submission folder
PLANTED = {"relative link": "rel_link.py", "absolute link": "abs_link.py", "linked folder": "tests",
           "hard link": "hard_link.py", "fifo": "pipe", "linked notebook": "extra.ipynb"}
HIDDEN = f"source/{ASSIGNMENT}/hidden_tests"


def plant_links(folder: Path, course: Path) -> None:
    import os
    os.symlink(f"../../../{HIDDEN}/test_zero_pad.py", folder / PLANTED["relative link"])
    os.symlink(course / HIDDEN / "test_conv_forward.py", folder / PLANTED["absolute link"])
    os.symlink(course / HIDDEN, folder / PLANTED["linked folder"], target_is_directory=True)
    os.link(course / HIDDEN / "test_pool_forward.py", folder / PLANTED["hard link"])
    os.mkfifo(folder / PLANTED["fifo"])
    os.symlink(course / "source" / ASSIGNMENT / NB, folder / PLANTED["linked notebook"])   # the solutions


#: student id -> what they do before each submission (the "tamper" student submits twice)
STUDENTS = {
    "partial": [partial],
    "tamper": [untouched, tamper],
    "renamed": [renamed],
    "empty": [empty],
}


@pytest.fixture(scope="module")
def cycle(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cycle")
    course = copy_course(tmp / "course")
    exchange = tmp / "exchange"
    exchange.mkdir()
    teacher = tmp / "home" / "teacher"
    teacher.mkdir(parents=True)
    ex = f"--Exchange.root={exchange}"
    nbgrader("generate_assignment", ASSIGNMENT, "--force", cwd=course, home=teacher)
    nbgrader("release_assignment", ASSIGNMENT, ex, cwd=course, home=teacher)

    def student(item):
        sid, works = item
        home = tmp / "home" / sid
        home.mkdir()
        nbgrader("fetch_assignment", ASSIGNMENT, f"--course={COURSE_ID}", ex, cwd=home, home=home)
        for work in works:
            work(home / ASSIGNMENT)
            nbgrader("submit", ASSIGNMENT, f"--course={COURSE_ID}", ex, f"--student={sid}", cwd=home, home=home)
        return home
    with ThreadPoolExecutor(3) as pool:
        homes = dict(zip(STUDENTS, pool.map(student, STUDENTS.items())))

    logs = {}
    logs["collect"] = nbgrader("collect", ASSIGNMENT, ex, cwd=course, home=teacher)
    plant_links(course / "submitted" / "partial" / ASSIGNMENT, course)
    logs["autograde"] = nbgrader("autograde", ASSIGNMENT, "--EngineGrade.lang=en", cwd=course, home=teacher,
                                 check=False)
    # Something in autograded/ that neither the release nor grading put there: never handed to the student.
    (course / "autograded" / "partial" / ASSIGNMENT / "planted.txt").write_text("not from the course")
    nbgrader("generate_feedback", ASSIGNMENT, cwd=course, home=teacher)
    nbgrader("release_feedback", ASSIGNMENT, ex, cwd=course, home=teacher)
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda sid: nbgrader("fetch_feedback", ASSIGNMENT, f"--course={COURSE_ID}", ex,
                                           f"--student={sid}", cwd=homes[sid], home=homes[sid]),
                      ("renamed", "empty")))
    nbgrader("export", f"--to={tmp / 'grades.csv'}", cwd=course, home=teacher)
    results = {sid: json.loads((course / "results" / ASSIGNMENT / f"{sid}.json").read_text())
               for sid in STUDENTS}
    return {"tmp": tmp, "course": course, "homes": homes, "logs": logs, "results": results}


def _gradebook(course: Path) -> dict[str, dict[str, float]]:
    from nbgrader.api import Gradebook
    scores = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", COURSE_ID) as gb:
        for sid in STUDENTS:
            notebook = gb.find_submission_notebook(Path(NB).stem, ASSIGNMENT, sid)
            scores[sid] = {g.name: g.score for g in notebook.grades}
    return scores


def _questions(result: dict) -> dict[str, float]:
    return {q["name"]: q["score"] for q in result["questions"]}


def _page(cycle, sid: str) -> str:
    """The feedback page's text (tags removed: code is split into highlighted spans)."""
    raw = (cycle["course"] / "feedback" / sid / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text(encoding="utf-8")
    return html.unescape(re.sub(r"<[^>]+>", "", raw))


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_autograde_runs_to_the_end_for_every_student(cycle):
    log = cycle["logs"]["autograde"]
    assert log.returncode == 0, log.stderr[-4000:]
    for sid in STUDENTS:
        assert (cycle["course"] / "autograded" / sid / ASSIGNMENT / NB).is_file(), sid


def test_gradebook_holds_the_engine_scores_with_partial_credit(cycle):
    gradebook = _gradebook(cycle["course"])
    for sid, result in cycle["results"].items():
        engine = _questions(result)
        assert set(engine) == set(POINTS)
        for name, score in engine.items():
            assert gradebook[sid][f"test_{name}"] == pytest.approx(score, abs=1e-6), (sid, name)
    partial = _questions(cycle["results"]["partial"])
    assert 0 < partial["conv_forward"] < POINTS["conv_forward"]
    assert partial["conv_forward"] != int(partial["conv_forward"])   # real partial credit, not rounded


def test_export_gives_the_engine_totals(cycle):
    with open(cycle["tmp"] / "grades.csv", newline="") as handle:
        rows = {r["student_id"]: r for r in csv.DictReader(handle) if r["assignment"] == ASSIGNMENT}
    assert set(rows) == set(STUDENTS)
    for sid, result in cycle["results"].items():
        assert float(rows[sid]["raw_score"]) == pytest.approx(result["score"], abs=1e-3), sid


def test_student_code_never_ran_in_nbgrader_kernel(cycle):
    nb = nbformat.read(cycle["course"] / "autograded" / "partial" / ASSIGNMENT / NB, as_version=4)
    assert MARKER not in json.dumps([c.get("outputs", []) for c in nb.cells])
    grade_cells = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for output in cell.outputs:
            assert output.output_type != "error"
            assert not (output.output_type == "stream" and output.name == "stderr")
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            grade_cells[meta["grade_id"]] = cell
        else:
            assert cell.outputs == [], "a non-grade cell has outputs: something executed the notebook"
    assert set(grade_cells) == {f"test_{q}" for q in POINTS}
    engine = _questions(cycle["results"]["partial"])
    for name, cell in ((n[5:], c) for n, c in grade_cells.items()):
        results = [o for o in cell.outputs if o.output_type == "execute_result"]
        assert len(results) == 1 and float(results[0].data["text/plain"]) == pytest.approx(engine[name])


def test_locked_cells_are_restored_and_deleted_grade_cells_still_scored(cycle):
    result = cycle["results"]["tamper"]
    assert result["score"] == POLICY.max_score
    nb = nbformat.read(cycle["course"] / "autograded" / "tamper" / ASSIGNMENT / NB, as_version=4)
    by_id = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nb.cells}
    assert by_id["imports"].source == "import numpy as np"          # nbgrader's OverwriteCells
    assert "test_pool_backward" in by_id                              # added back by the engine bridge
    assert _gradebook(cycle["course"])["tamper"]["test_pool_backward"] == POINTS["pool_backward"]
    notes = " ".join(result["notes"])
    assert "imports" in notes and "test_pool_backward" in notes


def test_latest_of_two_submissions_is_graded(cycle):
    # The first submission was the untouched release (0 points), the second the tampered solution.
    assert cycle["results"]["tamper"]["score"] == POLICY.max_score
    assert len(list((cycle["homes"]["tamper"] / ".local" / "share" / "jupyter" / "nbgrader_cache" / COURSE_ID)
                    .glob(f"tamper+{ASSIGNMENT}+*"))) == 2


def test_renamed_notebook_is_graded_and_gets_its_feedback(cycle):
    result = cycle["results"]["renamed"]
    assert 0 < result["score"] < POLICY.max_score
    assert _questions(result)["zero_pad"] < POINTS["zero_pad"]
    assert any("homework_final.ipynb" in n for n in result["notes"])
    fetched = list((cycle["homes"]["renamed"] / ASSIGNMENT / "feedback").glob("*/homework_final.html"))
    assert fetched, "nbgrader fetch_feedback did not deliver the renamed notebook's feedback"


def test_empty_submission_scores_zero_with_a_note(cycle):
    result = cycle["results"]["empty"]
    assert result["score"] == 0
    assert any("could not be read" in n for n in result["notes"])
    original = cycle["course"] / "submitted" / "empty" / ASSIGNMENT / ".autograder" / "original" / NB
    assert original.read_bytes() == b""                                 # what the student sent is kept
    assert "could not be read" in _page(cycle, "empty")
    assert list((cycle["homes"]["empty"] / ASSIGNMENT / "feedback").glob("*/*.html"))


def test_engine_scores_equal_grading_each_submission_alone(cycle):
    def alone(path: Path) -> dict:
        out = path.with_suffix(".alone.json")
        proc = warm_cli.autograder("grade", str(path), "--assignment", ASSIGNMENT, "--format", "json",
                                   "--out", str(out), "--lang", "en", cwd=ROOT, env=tool_env(), timeout=600)
        assert proc.returncode == 0, proc.stderr
        return json.loads(out.read_text())
    files = {"partial": cycle["homes"]["partial"] / ASSIGNMENT / NB,
             "renamed": cycle["homes"]["renamed"] / ASSIGNMENT / "homework_final.ipynb"}
    with ThreadPoolExecutor(2) as pool:
        alone_results = dict(zip(files, pool.map(alone, files.values())))
    for sid, result in alone_results.items():
        assert _questions(result) == pytest.approx(_questions(cycle["results"][sid])), sid


def _hidden_test_lines() -> list[str]:
    lines = []
    for path in (SOURCE_NOTEBOOK.parent / "hidden_tests").glob("*.py"):
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line.startswith("def test_") or "student(" in line or "expect_close(" in line:
                lines.append(line)
    assert len(lines) > 20
    return lines


def _reference_lines() -> list[str]:
    nb = nbformat.read(SOURCE_NOTEBOOK, as_version=4)
    lines = []
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            inside = False
            for line in cell.source.splitlines():
                if "END SOLUTION" in line:
                    inside = False
                if inside and len(line.strip()) >= 20:
                    lines.append(line.strip())
                if "BEGIN SOLUTION" in line:
                    inside = True
    assert len(lines) > 10
    return lines


def test_feedback_shows_code_scores_and_explanations_never_hidden_tests_or_references(cycle):
    page = _page(cycle, "partial")
    code = "a_slice = A_prev_pad[i, h:h + f, w:w + f, :]"
    assert code in [line.strip() for line in (WRONG / "conv_forward_no_stride.py").read_text().splitlines()]
    assert _squash(code) in _squash(page)                                  # the student's own code
    result = cycle["results"]["partial"]
    for question in result["questions"]:
        assert question["summary"] in page
        for test in question["tests"]:
            if test["status"] != "passed":
                assert test["output"].splitlines()[0] in page               # the engine's explanation
    conv_forward = next(q for q in result["questions"] if q["name"] == "conv_forward")
    assert f"{format_points(conv_forward['score'])} / {format_points(conv_forward['max_score'])}" in page   # e.g. 9.09 / 20
    for line in _hidden_test_lines():
        assert _squash(line) not in _squash(page), f"hidden test source in feedback: {line}"
    # Reference lines may appear only where the student already had them: in their own notebook
    # (the released text has hints such as `vert_start = h * stride`) or in the engine's hints.
    notebooks = {"partial": cycle["homes"]["partial"] / ASSIGNMENT / NB, "empty": RELEASE_DIR / NB}
    for sid, notebook in notebooks.items():
        page = _squash(_page(cycle, sid))
        known = _squash("\n".join(c.source for c in nbformat.read(notebook, as_version=4).cells))
        known += _squash(json.dumps(cycle["results"][sid], ensure_ascii=False))
        leaked = [line for line in _reference_lines() if _squash(line) in page and _squash(line) not in known]
        assert not leaked, f"{sid}: reference solution in feedback: {leaked[:3]}"


def test_links_in_a_submission_never_reach_autograded_or_feedback(cycle):
    course = cycle["course"]
    hidden = {p.name: p.read_text() for p in (ROOT / HIDDEN).glob("*.py")}
    # Lines the student already has (the released files, their own notebook) prove nothing either way.
    known = _squash("".join(p.read_text(encoding="utf-8") for p in (course / "assignments" / ASSIGNMENT).iterdir())
                    + (cycle["homes"]["partial"] / ASSIGNMENT / NB).read_text(encoding="utf-8"))
    solution_lines = [line for line in _reference_lines() if len(line) > 25 and _squash(line) not in known]
    for stage in ("autograded", "feedback"):
        folder = course / stage / "partial" / ASSIGNMENT
        files = [p for p in folder.rglob("*") if not p.is_dir()]
        assert files and all(p.is_file() and not p.is_symlink() for p in files), stage
        assert not {p.name for p in files} & (set(PLANTED.values()) | {"extra.html"}), stage
        for path in files:
            text = _squash(path.read_text(encoding="utf-8", errors="replace"))
            for name, source in hidden.items():
                lines = [line.strip() for line in source.splitlines() if len(line.strip()) > 30
                         and _squash(line) not in known]      # what only the hidden test has
                assert lines and not any(_squash(line) in text for line in lines), (stage, path.name, name)
            assert not any(_squash(line) in text for line in solution_lines), (stage, path.name)
    feedback = {p.name for p in (course / "feedback" / "partial" / ASSIGNMENT).iterdir()}
    assert "planted.txt" not in feedback and f"{ASSIGNMENT}.html" in feedback
    released = {p.name for p in (course / "assignments" / ASSIGNMENT).iterdir() if p.is_file()}
    assert feedback == released - {NB} | {f"{ASSIGNMENT}.html", "timestamp.txt", "submission_secret.txt"}
    # Only the links went: their targets are intact, and the student is told what was removed.
    for name, source in hidden.items():
        assert (course / HIDDEN / name).read_text() == source
    left = {p.name for p in (course / "submitted" / "partial" / ASSIGNMENT).iterdir()}
    assert not left & set(PLANTED.values()) and NB in left
    removed = ", ".join(sorted(PLANTED.values()))          # the note names them all, in order
    assert removed in " ".join(cycle["results"]["partial"]["notes"]) and removed in _page(cycle, "partial")
