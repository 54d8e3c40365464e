"""Write a GradeResult in each supported format.

One result object, several renderings: native JSON, Gradescope results.json,
plain text for the terminal, Markdown (GitHub job summaries, feedback) and HTML.
Files are written atomically, so a crash never leaves half a grade file.
"""
from __future__ import annotations

import html
import json
import os
import sys
import tempfile
from pathlib import Path

from .. import handover
from ..results import PASSED, GradeResult

_HEADINGS = {
    "en": {"title": "Grading report", "score": "Score", "question": "Question", "points": "Points",
           "notes": "Notes on your notebook", "sandbox": "sandbox", "failed": "What to fix"},
    "ko": {"title": "채점 결과", "score": "점수", "question": "문제", "points": "점수",
           "notes": "노트북 실행 참고 사항", "sandbox": "샌드박스", "failed": "고칠 점"},
}


def format_points(x: float) -> str:
    """Points as people write them: 5, 9.09 (two decimals at most, no trailing zeros)."""
    return f"{x:.2f}".rstrip("0").rstrip(".") if x != int(x) else str(int(x))


def _to_explain(question):
    """Failed tests worth their own paragraph: not those that only repeat the summary."""
    return [t for t in question.tests if t.status != PASSED and t.output != question.summary]


def to_json(result: GradeResult) -> str:
    return json.dumps(result.to_dict(), ensure_ascii=False, indent=2)


def to_gradescope(result: GradeResult) -> str:
    """Gradescope's results.json.  Every text is "text" (shown as written): Gradescope renders the
    top-level output as HTML (simple_format) unless told, and the notes quote student file names and
    error messages.  Test points add up exactly to the score (autograder.points_split)."""
    from .points_split import shown_points
    total, points = shown_points(result)
    tests = []
    for question, shares in zip(result.questions, points):
        for test, (score, max_score) in zip(question.tests, shares):
            tests.append({"name": f"{question.name} | {test.name}", "name_format": "text", "score": score,
                          "max_score": max_score,
                          "status": "passed" if test.status == PASSED else "failed",
                          "output": test.output, "output_format": "text", "visibility": "visible"})
    payload = {"score": total, "execution_time": result.duration_s,
               "output": "\n".join(result.notes), "output_format": "text", "test_output_format": "text",
               "test_name_format": "text", "visibility": "visible", "stdout_visibility": "hidden", "tests": tests}
    return json.dumps(payload, ensure_ascii=False, indent=2)


def to_text(result: GradeResult) -> str:
    h = _HEADINGS.get(result.language, _HEADINGS["en"])
    lines = [f"{h['title']}: {result.assignment}",
             f"{h['score']}: {format_points(result.score)} / {format_points(result.max_score)}"
             f"   ({h['sandbox']} {result.sandbox}, {result.duration_s:.1f} s)", ""]
    width = max((len(q.name) for q in result.questions), default=10)
    for q in result.questions:
        mark = "✓" if q.score >= q.max_score - 1e-6 else ("✗" if q.score == 0 else "~")
        lines.append(f" {mark} {q.name:<{width}}  {format_points(q.score):>5} / {format_points(q.max_score):<4} {q.summary}")
        for t in _to_explain(q):
            if t.status != PASSED:
                lines.append(f"     - {t.name}")
                lines.extend("         " + line for line in t.output.splitlines())
    if result.notes:
        lines += ["", h["notes"] + ":"] + [f" - {n}" for n in result.notes]
    return "\n".join(lines) + "\n"


def to_markdown(result: GradeResult) -> str:
    h = _HEADINGS.get(result.language, _HEADINGS["en"])
    lines = [f"## {h['title']}: `{result.assignment}`", "",
             f"**{h['score']}: {format_points(result.score)} / {format_points(result.max_score)}**", "",
             f"| {h['question']} | {h['points']} | |", "|---|---:|---|"]
    for q in result.questions:
        lines.append(f"| `{q.name}` | {format_points(q.score)} / {format_points(q.max_score)} | {q.summary} |")
    failing = [(q, t) for q in result.questions for t in _to_explain(q)]
    if failing:
        lines += ["", f"### {h['failed']}", ""]
        for q, t in failing:
            lines += [f"**{t.name}** ({format_points(t.score)} / {format_points(t.max_score)})", "", "```text", t.output, "```", ""]
    if result.notes:
        lines += ["", f"### {h['notes']}", ""] + [f"- {n}" for n in result.notes]
    lines += ["", f"<sub>{h['sandbox']}: {result.sandbox} · {result.duration_s:.1f} s</sub>"]
    return "\n".join(lines) + "\n"


def to_html(result: GradeResult) -> str:
    h = _HEADINGS.get(result.language, _HEADINGS["en"])
    e = html.escape
    rows = "".join(
        f"<tr><td><code>{e(q.name)}</code></td><td>{format_points(q.score)} / {format_points(q.max_score)}</td>"
        f"<td>{e(q.summary)}</td></tr>" for q in result.questions)
    details = "".join(
        f"<h3>{e(t.name)} ({format_points(t.score)} / {format_points(t.max_score)})</h3><pre>{e(t.output)}</pre>"
        for q in result.questions for t in _to_explain(q))
    notes = "".join(f"<li>{e(n)}</li>" for n in result.notes)
    return (f"<!DOCTYPE html><html lang=\"{e(result.language)}\"><head><meta charset=\"utf-8\">"
            f"<title>{e(h['title'])}: {e(result.assignment)}</title></head><body>"
            f"<h1>{e(h['title'])}: {e(result.assignment)}</h1>"
            f"<p><strong>{e(h['score'])}: {format_points(result.score)} / {format_points(result.max_score)}</strong></p>"
            f"<table><tr><th>{e(h['question'])}</th><th>{e(h['points'])}</th><th></th></tr>{rows}</table>"
            f"{('<h2>' + e(h['failed']) + '</h2>' + details) if details else ''}"
            f"{('<h2>' + e(h['notes']) + '</h2><ul>' + notes + '</ul>') if notes else ''}"
            f"</body></html>\n")


WRITERS = {"json": to_json, "gradescope": to_gradescope, "text": to_text,
           "markdown": to_markdown, "html": to_html}
#: File name ending of each format's report (``autograder grade`` of several notebooks into a folder).
EXTENSIONS = {"json": ".json", "gradescope": ".gradescope.json", "text": ".txt", "markdown": ".md", "html": ".html"}


def render(result: GradeResult, fmt: str) -> str:
    return WRITERS[fmt](result)


def write_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file and rename.

    Under ``sudo`` the file (and any folder made for it) goes to the invoking user: see handover.py.
    """
    path = Path(path)
    handover.make_dirs(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        handover.hand_over_fd(fd)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def emit(text: str, out: str | Path | None) -> None:
    """Write a report to ``out`` (atomically) or, without ``out``, to standard output."""
    if out:
        write_atomic(out, text)
    else:
        sys.stdout.write(text)
