"""The question table that opens every feedback page.

nbgrader's feedback page starts with a list of "Test cell (Score: x / y)"
links: a student cannot tell which question lost points without scrolling.
After ``nbgrader generate_feedback`` has written a page, :func:`add_question_table`
puts a table right after its ``<body>`` tag: one row per question (its name,
the score the gradebook holds, manual grades included, and what to look at:
the first failed test and its hint), in the report language, each row linking
to the question's grade cell further down.  Everything in it is escaped; the
rest of the page is left as nbgrader wrote it.
"""
from __future__ import annotations

import html
import re
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry

from ..feedback.bridge_texts import say
from .grade_cells import INDEX_KEY
from ..feedback.report import format_points
from ..feedback.report import write_atomic

TABLE_ID = "autograder-question-table"
_BODY = re.compile(r"<body\b[^>]*>", re.IGNORECASE)
_OLD_TABLE = re.compile(rf'\n?<section id="{TABLE_ID}">.*?</section>\n?', re.DOTALL)
_STYLE = (f"#{TABLE_ID}{{margin:1em auto;max-width:1140px;padding:0 15px}}"
          f"#{TABLE_ID} table{{width:100%;border-collapse:collapse;font-size:14px}}"
          f"#{TABLE_ID} th,#{TABLE_ID} td{{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;"
          "vertical-align:top}"
          f"#{TABLE_ID} td.score{{white-space:nowrap;font-weight:bold}}"
          f"#{TABLE_ID} .full{{color:#1a7f37}}#{TABLE_ID} .part{{color:#b35900}}#{TABLE_ID} .zero{{color:#c62828}}")


def question_rows(nb, grades: dict[str, tuple[float | None, float | None]]) -> list[dict]:
    """One row per grade cell of an autograded notebook; ``grades``: grade id -> (score, max) from the gradebook."""
    rows = []
    for cell in nb.cells:
        meta = (cell.get("metadata") or {}).get("nbgrader") or {}
        if cell.cell_type != "code" or not meta.get("grade") or meta.get("solution") or not meta.get("grade_id"):
            continue
        info = next((o["metadata"][INDEX_KEY] for o in cell.get("outputs", [])
                     if isinstance(o.get("metadata", {}).get(INDEX_KEY), dict)), {})
        grade_id = meta["grade_id"]
        score, points = grades.get(grade_id, (None, None))
        rows.append({"anchor": grade_id, "name": str(info.get("question") or grade_id),
                     "score": score, "max_score": points if points is not None else meta.get("points"),
                     "look_at": str(info.get("look_at", "")), "lang": str(info.get("lang", ""))})
    return rows


def table_html(rows: list[dict], lang: str) -> str:
    e = html.escape
    body = []
    total = points = 0.0
    for row in rows:
        score, top = row["score"], row["max_score"]
        shown = "-" if score is None else f"{format_points(float(score))} / {format_points(float(top or 0))}"
        kind = ("zero" if not score else "full" if top is not None and score >= float(top) - 1e-9 else "part")
        total += float(score or 0)
        points += float(top or 0)
        body.append(f'<tr><td><a href="#{e(row["anchor"])}"><code>{e(row["name"])}</code></a></td>'
                    f'<td class="score {kind}">{e(shown)}</td><td>{e(row["look_at"])}</td></tr>')
    body.append(f"<tr><td><b>{e(say('index_total', lang))}</b></td>"
                f'<td class="score">{format_points(total)} / {format_points(points)}</td><td></td></tr>')
    head = "".join(f"<th>{e(say(key, lang))}</th>" for key in ("index_question", "index_score", "index_look_at"))
    return (f'<section id="{TABLE_ID}"><style>{_STYLE}</style><h3>{e(say("index_title", lang))}</h3>'
            f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></section>")


def add_question_table(page: Path, table: str) -> bool:
    """Put ``table`` right after the page's ``<body>`` tag (replacing an earlier one); False if no body tag."""
    text = _OLD_TABLE.sub("", page.read_text(encoding="utf-8"), count=1)
    match = _BODY.search(text)
    if match is None:
        return False
    write_atomic(page, text[:match.end()] + "\n" + table + "\n" + text[match.end():])
    return True


def gradebook_scores(coursedir, notebook_id: str, assignment_id: str, student_id: str) -> dict:
    """grade id -> (score, max score) as the gradebook holds them (manual grades included).

    ``Gradebook`` is this module's name for it, so that the feedback workers can serve one read-only
    copy to every page (:data:`autograder.course.record_gradebook.FEEDBACK_READERS`)."""
    try:
        with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
            notebook = gb.find_submission_notebook(notebook_id, assignment_id, student_id)
            return {grade.name: (grade.score, grade.max_score) for grade in notebook.grades}
    except MissingEntry:
        return {}


def _read(notebook: Path):
    """``nbformat.read(notebook, as_version=4)`` without its schema check: nbconvert has just read and
    checked this notebook to render its page (and logged what it found), and the check changes nothing."""
    return nbformat.convert(nbformat.reader.reads(notebook.read_text(encoding="utf-8")), 4)


def add_tables(coursedir, autograded: list[Path], feedback_dir: Path, assignment_id: str, student_id: str,
               default_lang: str) -> list[Path]:
    """Give the feedback page of each autograded notebook its question table; the pages changed."""
    done = []
    for notebook in autograded:
        page = feedback_dir / (notebook.stem + ".html")
        if not page.is_file():
            continue
        rows = question_rows(_read(notebook),
                             gradebook_scores(coursedir, notebook.stem, assignment_id, student_id))
        if not rows:
            continue
        lang = next((r["lang"] for r in rows if r["lang"] in ("en", "ko")), default_lang)
        if add_question_table(page, table_html(rows, lang)):
            done.append(page)
    return done
