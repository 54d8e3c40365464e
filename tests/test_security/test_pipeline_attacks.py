"""The course pipeline under attack: one LMS archive through `autograder batch` (nbgrader zip_collect,
autograde, generate_feedback), holding

* unsafe members (path traversal, an absolute path, a symbolic link, a member over the size cap, an
  archive inside the archive): each skipped with a line naming it, every safe member graded;
* notebooks whose nbgrader metadata was tampered with (a foreign locked grade cell with its own grade id
  and raised points, duplicated grade ids, another schema version and changed cell types, edited
  checksums and flags): repaired from the release, graded on their code, recorded by nbgrader, a note;
* a notebook planting HTML and script everywhere a page can carry it: nothing runs in headless Chromium,
  in the feedback page nor in the autograded notebook as formgrader renders it;
* a partly wrong submission: the feedback page opens with the question table saying what to look at.
"""
from __future__ import annotations

import csv
import html as html_module
import json
import re
import zipfile
from pathlib import Path

import nbformat
import pytest

import browser
from conftest import ASSIGNMENT, ROOT, SOLUTION_DIR, course_from_release
from hostile_notebooks import TAMPERINGS, html_attack, write_variant
from test_course.test_batch import _run
from autograder.config import get_assignment
from autograder.course.grade_cells import look_at
from autograder.course.submissions import build_submission

NB = f"{ASSIGNMENT}.ipynb"
POLICY = get_assignment(ASSIGNMENT, ROOT / "grading.yml")
WRONG = ROOT / "tests" / "corpus" / ASSIGNMENT / "wrong" / "zero_pad_one_side.py"
UNSAFE = {   # member name -> what the batch output must say about it
    f"../../escape_1_1_{NB}": "leaves the target",
    f"/tmp/absolute_1_2_{NB}": "leaves the target",
    f"link_1_3_{NB}": "symbolic link",
    f"big_1_4_{NB}": "larger than",
    "nested_1_5_more.zip": "archive inside the archive",
}


def _archive(path: Path, tmp: Path) -> Path:
    src = tmp / "archive-src"
    members = {}
    for number, (student, change) in enumerate(TAMPERINGS.items()):
        members[f"{student}_10{number}_20{number}_{NB}"] = write_variant(SOLUTION_DIR / NB, change, src / student)
    # The HTML attacker also got zero_pad wrong: its page shows what to look at.
    wrong = build_submission(SOLUTION_DIR / NB, [WRONG], src / "wrong.ipynb")
    members[f"xss_1090_2090_{NB}"] = write_variant(wrong, html_attack, src / "xss")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, file in members.items():
            archive.write(file, name)
        solution = (SOLUTION_DIR / NB).read_bytes()
        archive.writestr(f"../../escape_1_1_{NB}", solution)
        archive.writestr(f"/tmp/absolute_1_2_{NB}", solution)
        link = zipfile.ZipInfo(f"link_1_3_{NB}")
        link.external_attr = 0o120777 << 16
        archive.writestr(link, "/etc/passwd")
        archive.writestr(f"big_1_4_{NB}", b" " * ((100 << 20) + 1))   # a few hundred KiB compressed
        inner = tmp / "inner.zip"
        with zipfile.ZipFile(inner, "w") as nested:
            nested.writestr(f"inner_1_6_{NB}", solution)
        archive.write(inner, "nested_1_5_more.zip")
    return path


@pytest.fixture(scope="module")
def run(tmp_path_factory, released_course):
    tmp = tmp_path_factory.mktemp("attacked")
    course = course_from_release(released_course, tmp / "course")
    home = tmp / "home"
    home.mkdir()
    archive = _archive(tmp / "canvas.zip", tmp)
    proc = _run(["-m", "autograder", "batch", ASSIGNMENT, "--course", str(course), "-j", "2", "--lang", "en",
                 "--from", str(archive)], cwd=course, home=home)
    with open(course / "results" / ASSIGNMENT / "grades.csv", newline="") as handle:
        table = {r["student_id"]: r for r in csv.DictReader(handle)}
    return {"tmp": tmp, "course": course, "home": home, "proc": proc, "table": table}


def _page(run, student: str) -> Path:
    return run["course"] / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html"


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _result(run, student: str) -> dict:
    return json.loads((run["course"] / "results" / ASSIGNMENT / f"{student}.json").read_text())


# -- archives ----------------------------------------------------------------------------

def test_unsafe_members_are_skipped_by_name_and_every_safe_member_is_graded(run):
    proc, table = run["proc"], run["table"]
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    for name, reason in UNSAFE.items():
        line = next((line for line in proc.stdout.splitlines() if "skipped archive member" in line and name in line),
                    None)
        assert line and reason in line, (name, proc.stdout[:3000])
    assert set(table) == {*TAMPERINGS, "xss"}
    assert all(row["status"] == "graded" for row in table.values()), table
    assert not list(run["tmp"].rglob("escape_1_1_*")) and not Path(f"/tmp/absolute_1_2_{NB}").exists()
    assert not list((run["course"] / "downloaded").rglob("inner_1_6_*"))


# -- tampered nbgrader metadata ---------------------------------------------------------------

@pytest.mark.parametrize("student, kinds", [
    ("foreign", {"foreign_cells", "metadata_restored"}),   # + raised points, edited checksums and flags
    ("dupes", {"duplicate_cells", "metadata_restored", "format_repaired"}),   # + schema, cell types
])
def test_tampered_metadata_is_repaired_graded_recorded_and_noted(run, student, kinds):
    row = run["table"][student]
    assert row["status"] == "graded", row                       # the gradebook holds the engine's score
    assert kinds <= set(row["notes"].split()), row
    assert float(row["total"]) == POLICY.max_score, row          # graded on the (correct) code
    page = _squash(html_module.unescape(re.sub(r"<[^>]+>", "", _page(run, student).read_text(encoding="utf-8"))))
    for note in _result(run, student)["notes"]:                 # the notes reached the feedback page
        assert _squash(note) in page, note


def test_nbgrader_records_only_the_released_points(run):
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{run['course'] / 'gradebook.db'}", "cnn-course") as gb:
        for student in TAMPERINGS:
            submission = gb.find_submission(ASSIGNMENT, student)
            assert submission.max_score == POLICY.max_score, student
            assert submission.score == pytest.approx(POLICY.max_score), student
            names = {g.name for g in gb.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, student).grades}
            assert names == {f"test_{q.name}" for q in POLICY.questions}, student


# -- no student HTML or script in any page -------------------------------------------------------

def test_attacks_are_live_in_an_unsanitised_page(run, tmp_path):
    """The control: the submitted file rendered as plain nbconvert does runs the payloads."""
    from nbconvert import HTMLExporter
    nb = nbformat.read(run["tmp"] / "archive-src" / "xss", as_version=4)
    page = tmp_path / "unsanitised.html"
    page.write_text(HTMLExporter(template_name="lab").from_notebook_node(nb)[0], encoding="utf-8")
    assert {"script", "onerror", "svg", "details", "iframe", "html_out", "html_img", "js_out",
            "md_out"} <= browser.ran_payloads(page)


def test_nothing_planted_runs_in_the_feedback_page(run):
    page = _page(run, "xss")
    assert browser.ran_payloads(page) == set()
    dom = browser.dom(page)
    assert not re.search(r"<(iframe|object|embed|svg|meta http-equiv)\b", dom, re.IGNORECASE)
    assert not re.search(r"(href|src)=\"\s*javascript:", dom, re.IGNORECASE)
    assert "Attack script" in dom and "a^2 + b^2" in dom        # Markdown and maths are kept


@pytest.mark.parametrize("template", ["classic", "lab"])
def test_nothing_planted_runs_in_the_autograded_notebook_formgrader_shows(run, tmp_path, template):
    from nbconvert import HTMLExporter
    stored = run["course"] / "autograded" / "xss" / ASSIGNMENT / NB
    page = tmp_path / f"{template}.html"
    html, _ = HTMLExporter(template_name=template).from_notebook_node(nbformat.read(stored, as_version=4))
    page.write_text(html, encoding="utf-8")
    assert browser.ran_payloads(page) == set()


# -- the question table --------------------------------------------------------------------------

def test_feedback_page_opens_with_the_question_table(run):
    text = _page(run, "xss").read_text(encoding="utf-8")
    body = text[re.search(r"<body\b[^>]*>", text).end():]
    assert body.lstrip().startswith('<section id="autograder-question-table">')
    table = body[:body.index("</section>")]
    result = _result(run, "xss")
    rows = re.findall(r"<tr><td><a href=\"#(test_\w+)\"><code>(\w+)</code></a></td><td class=\"score \w+\">"
                      r"([^<]*)</td><td>([^<]*)</td></tr>", table)
    assert [r[1] for r in rows] == [q.name for q in POLICY.questions]
    for (anchor, name, score, hint), question in zip(rows, result["questions"]):
        assert anchor == f"test_{name}"
        assert score == f"{question['score']:g} / {question['max_score']:g}" or question["score"] % 1
        assert html_module.unescape(hint) == look_at(question, "en")
    zero_pad = next(q for q in result["questions"] if q["name"] == "zero_pad")
    assert zero_pad["score"] < zero_pad["max_score"]
    failed = next(t for t in zero_pad["tests"] if t["status"] != "passed")
    assert failed["name"] in table and "Your score per question" in table


def test_feedback_page_screenshot(run):
    out = run["tmp"] / "feedback-xss.png"
    browser.screenshot(_page(run, "xss"), out)
    print(f"screenshot: {out}")
