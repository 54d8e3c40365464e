"""Write the engine's result into a notebook's nbgrader grade cells.

Each question's score becomes the grade of its grade cell ``test_<question>``
as nbgrader's partial-credit output: an ``execute_result`` whose ``text/plain``
is the score, preceded by the engine's explanation as display data (which also
carries, in its metadata, the line the feedback page's question table shows).
No error or stderr output is produced, so nbgrader's ``determine_grade``
records exactly the engine's score.
"""
from __future__ import annotations

import hashlib
import html
import re

from nbformat import from_dict
from nbformat.v4 import new_code_cell, new_markdown_cell, new_output

from ..feedback.bridge_texts import say
from ..feedback.report import format_points
from ..feedback.messages import say as check_say

def question_feedback(question: dict, lang: str) -> tuple[str, str]:
    """(html, plain text) explanation of one question: score, summary, what failed and why."""
    e = html.escape
    head = f"{question['name']}: {format_points(question['score'])} / {format_points(question['max_score'])} — {question.get('summary', '')}"
    failed = [t for t in question.get("tests", []) if t.get("status") != "passed"
              and t.get("output") and t.get("output") != question.get("summary")]
    text = [head] + [f"- {t['name']} ({format_points(t['score'])} / {format_points(t['max_score'])})\n" +
                     "\n".join("    " + line for line in str(t["output"]).splitlines()) for t in failed]
    body = "".join(f"<li><b>{e(t['name'])}</b> ({format_points(t['score'])} / {format_points(t['max_score'])})"
                   f"<pre>{e(str(t['output']))}</pre></li>" for t in failed)
    full = question["score"] >= question["max_score"] - 1e-9
    colour = "#1a7f37" if full else ("#b35900" if question["score"] > 0 else "#c62828")
    page = (f"<div class=\"autograder-feedback\"><p><b style=\"color:{colour}\">{e(say('score', lang))}: "
            f"{format_points(question['score'])} / {format_points(question['max_score'])}</b> — {e(question.get('summary', ''))}</p>"
            + (f"<ul>{body}</ul>" if body else "") + "</div>")
    return page, "\n".join(text)


#: Output metadata key of the grade cell's explanation: what the feedback page's question table shows.
INDEX_KEY = "autograder"


def look_at(question: dict, lang: str) -> str:
    """One line for the question table: the first failed test and the hint it gave (else its first line)."""
    failed = [t for t in question.get("tests", []) if t.get("status") != "passed"]
    if not failed:
        return question.get("summary", "") or say("index_full", lang)
    first = failed[0]
    lines = [line.strip() for line in str(first.get("output", "")).splitlines() if line.strip()]
    hint_prefix = check_say("hint", lang, text="").strip()
    detail = next((line for line in lines if line.startswith(hint_prefix)), lines[0] if lines else "")
    text = f"{first.get('name', '')}: {detail}" if detail and detail != first.get("name") else str(first.get("name", ""))
    return text if len(text) <= 300 else text[:299] + "…"


def score_outputs(question: dict, lang: str, extra_note: str = "") -> list:
    """The grade cell's outputs: the explanation, then the score as nbgrader partial credit."""
    page, text = question_feedback(question, lang)
    if extra_note:
        page = f"<p><i>{html.escape(extra_note)}</i></p>" + page
        text = extra_note + "\n" + text
    index = {"question": question["name"], "look_at": look_at(question, lang), "lang": lang}
    # What nbformat's new_output builds, without validating each output against the whole schema
    # (a tenth of recording a class); the notebook is validated when nbconvert exports it.
    return [from_dict({"output_type": "display_data", "metadata": {INDEX_KEY: index},
                       "data": {"text/html": page, "text/plain": text}}),
            from_dict({"output_type": "execute_result", "metadata": {},
                       "data": {"text/plain": repr(float(round(question["score"], 6)))}, "execution_count": None})]


def _grade_cell(cell) -> bool:
    meta = _nbgrader_meta(cell)
    return (cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")
            and bool(meta.get("grade_id")))


def drop_orphan_metadata(nb) -> None:
    """nbgrader's OverwriteCells removes the grade_id of cells unknown to the gradebook; the
    rest of their nbgrader metadata would then fail its own CheckCellMetadata."""
    for cell in nb.cells:
        meta = _nbgrader_meta(cell)
        if meta and not meta.get("grade_id") and (meta.get("grade") or meta.get("solution") or meta.get("locked")):
            del cell.metadata["nbgrader"]


def zero_unknown_grade_cells(nb, known: set[str], lang: str) -> None:
    """Grade cells that are no question of grading.yml score zero (nbgrader would give full marks
    to a grade cell without output), with a note saying why."""
    for cell in nb.cells:
        if _grade_cell(cell) and cell.metadata["nbgrader"]["grade_id"] not in known:
            cell.outputs = [new_output("display_data", data={"text/plain": say("not_in_policy", lang)}),
                            new_output("execute_result", data={"text/plain": "0.0"}, execution_count=None)]
            cell.execution_count = None


def _nbgrader_meta(cell) -> dict:
    meta = (cell.get("metadata") or {}).get("nbgrader")
    return meta if isinstance(meta, dict) else {}


def _grade_cell_meta(grade_id: str, points: float) -> dict:
    return {"grade": True, "grade_id": grade_id, "locked": True, "points": points, "schema_version": 3,
            "solution": False, "task": False}


def apply_result(nb, result: dict, assignment, lang: str) -> None:
    """Write the engine's result into the notebook's grade cells (and add back deleted ones)."""
    drop_orphan_metadata(nb)
    questions = {q["name"]: q for q in result.get("questions", [])}
    wanted = {f"test_{q.name}": q for q in assignment.questions}
    zero_unknown_grade_cells(nb, set(wanted), lang)
    for grade_id, question in wanted.items():
        outcome = questions.get(question.name) or {"name": question.name, "score": 0.0,
                                                   "max_score": question.points, "summary": "", "tests": []}
        same_id = [c for c in nb.cells if _nbgrader_meta(c).get("grade_id") == grade_id]
        cell = next((c for c in same_id if _grade_cell(c)), None)
        note = ""
        if cell is None and same_id and same_id[0].cell_type == "code":
            cell = same_id[0]   # the student unmarked the check cell: it is the grade cell again
            cell.metadata["nbgrader"] = _grade_cell_meta(grade_id, question.points)
        elif cell is None:
            for other in same_id:
                del other.metadata["nbgrader"]
            note = say("cell_added", lang)
            cell = new_code_cell(source=f"# {question.name}: {note}")
            cell.id = _stable_id(nb, f"added {grade_id}")
            cell.metadata["nbgrader"] = _grade_cell_meta(grade_id, question.points)
            solution_at = [i for i, c in enumerate(nb.cells) if _nbgrader_meta(c).get("grade_id") == question.name]
            nb.cells.insert(solution_at[0] + 1 if solution_at else len(nb.cells), cell)
        cell.outputs = score_outputs(outcome, lang, note)
        cell.execution_count = None
    notes = result.get("notes") or []
    text = say("header", lang, sandbox=html.escape(str(result.get("sandbox", "?"))))
    if notes:   # notes quote file names the student chose: escape them, the page is HTML
        text += f"\n\n**{say('notes_title', lang)}**\n\n" + "\n".join(f"- {_md_escape(n)}" for n in notes)
    header = new_markdown_cell(text)
    header.id = _stable_id(nb, "header")
    nb.cells.insert(0, header)


def _stable_id(nb, purpose: str) -> str:
    """A cell id that is the same each time this notebook is graded (nbformat draws a random one), so that
    recording a submission twice writes the same autograded notebook and feedback page; unique in ``nb``."""
    taken = {str(c.get("id")) for c in nb.cells}
    for attempt in range(1000):
        candidate = "autograder-" + hashlib.sha256(f"{purpose}/{attempt}".encode()).hexdigest()[:8]
        if candidate not in taken:
            return candidate
    raise RuntimeError("no free cell id")   # a notebook with a thousand such ids: not a real one


def _md_escape(text: str) -> str:
    return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", html.escape(str(text), quote=False))
