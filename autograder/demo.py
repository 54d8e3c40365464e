"""``autograder demo``: the main job on a built-in demo class.

Copies the course to a temporary folder, releases the assignment with nbgrader,
builds the demo class's submissions (demo/class.yml), grades each through the
sandboxed engine, writes per-student feedback and a grade CSV, and prints the
grade table.  Nothing is written outside the temporary (or --keep) folder.
"""
from __future__ import annotations

import csv
import shutil
import tempfile
from pathlib import Path

import yaml

from .config import get_assignment
from .grader import grade_notebook
from .release import release
from .report import render, write_atomic
from .submissions import build_submission

COURSE_FILES = ("source", "grading.yml", "nbgrader_config.py")


def copy_course(repo: Path, dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for name in COURSE_FILES:
        src = repo / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
        else:
            shutil.copy2(src, dest / name)
    return dest


def run_demo(repo: Path, keep: Path | None = None, lang: str | None = None, echo=print) -> list[dict]:
    """Run the demo; return one row per student (id, per-question scores, total)."""
    spec = yaml.safe_load((repo / "demo" / "class.yml").read_text(encoding="utf-8"))
    work = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="cnn-course-demo-"))
    course = copy_course(repo, work / "course")
    assignment = get_assignment(spec["assignment"], course / "grading.yml")
    echo(f"[1/3] releasing {assignment.name} with nbgrader in {course}")
    release(assignment)
    bases = {"release": assignment.release_dir / assignment.notebook,
             "solution": course / "solutions" / assignment.name / assignment.notebook}

    echo(f"[2/3] grading {len(spec['students'])} submissions in the sandbox")
    rows = []
    for student in spec["students"]:
        notebook = build_submission(bases[student["base"]],
                                    [repo / v for v in student.get("variants", [])],
                                    work / "submitted" / student["id"] / assignment.notebook)
        result = grade_notebook(notebook, assignment, lang=lang)
        out = work / "feedback" / student["id"]
        for fmt, suffix in (("json", "json"), ("markdown", "md"), ("html", "html")):
            write_atomic(out / f"{assignment.name}.{suffix}", render(result, fmt))
        row = {"student_id": student["id"], **{q.name: q.score for q in result.questions},
               "total": result.score, "max": result.max_score, "sandbox": result.sandbox,
               "seconds": result.duration_s}
        rows.append(row)
        echo(f"      {student['id']:<16} {result.score:6.2f} / {result.max_score:g}   ({result.duration_s:.1f} s)")

    grades = work / "grades.csv"
    with open(grades, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    echo("[3/3] grade table")
    echo(format_table(rows, [q.name for q in assignment.questions]))
    echo(f"\ngrades: {grades}\nfeedback pages: {work / 'feedback'}/<student>/{assignment.name}.html")
    return rows


def format_table(rows: list[dict], questions: list[str]) -> str:
    short = [q[:10] for q in questions]
    header = f"{'student':<16}" + "".join(f"{s:>11}" for s in short) + f"{'total':>8}"
    lines = [header, "-" * len(header)]
    for row in rows:
        lines.append(f"{row['student_id']:<16}" + "".join(f"{row[q]:>11.2f}" for q in questions)
                     + f"{row['total']:>8.2f}")
    return "\n".join(lines)
