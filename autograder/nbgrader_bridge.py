"""nbgrader, unchanged commands, with this project's engine behind ``nbgrader autograde``.

``nbgrader_config.py`` wires three things in here, all through nbgrader's own
configuration:

``Autograde.autograde_preprocessors``
    :class:`EngineGrade` takes the place of nbgrader's ``Execute``.  The
    notebook is never run in a Jupyter kernel: the engine grades it (student
    code in the sandboxed worker, hidden suites in the trusted process) and
    each question's score is written into its grade cell ``test_<question>``
    as nbgrader's partial-credit output, an ``execute_result`` whose
    ``text/plain`` is the score, preceded by the engine's explanation as
    display data.  No error or stderr output is produced, so nbgrader's
    ``determine_grade`` records exactly the engine's score.  A grade cell the
    student deleted is added back (after the question's solution cell) so its
    score still reaches ``gradebook.db``.
``Autograde.pre_convert_hook``
    :func:`prepare_hook` repairs a submission folder before nbgrader reads it:
    a renamed notebook is graded under the released name, an empty or corrupt
    notebook is replaced by the released notebook (graded as empty), damaged
    nbgrader metadata is dropped; each repair leaves a note for the student
    and the original file under ``.autograder/original/``.
``results/<assignment>/<student>.json``
    Every engine result is stored with a digest of exactly what was graded
    (the code cells after nbgrader's sanitising, the grading policy, the
    engine).  ``EngineGrade`` reuses a stored result whose digest matches,
    which is how ``autograder batch`` grades in parallel processes first and
    then lets one ``nbgrader autograde`` process write the gradebook.

Nothing here names an assignment: everything comes from ``grading.yml`` and
the released notebooks.
"""
from __future__ import annotations

import hashlib
import html
import json
import re
import shutil
import tempfile
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_output

from .report import write_atomic

try:  # nbgrader is a dependency, but keep this module importable without it
    from nbgrader.preprocessors import NbGraderPreprocessor
    from traitlets import Bool, Unicode
except ImportError:  # pragma: no cover
    NbGraderPreprocessor = object  # type: ignore[assignment,misc]
    Bool = Unicode = None  # type: ignore[assignment]

#: Per-submission folder of the bridge (ignored by nbgrader: CourseDirectory.ignore has ".*").
SIDECAR = ".autograder"
NOTES_FILE = "notes.json"
RENAMES_FILE = "renamed.json"
RESULTS_DIR = "results"
ENGINE_KEY = "autograder"   # notebook metadata key of autograded notebooks

_TEXT = {
    "renamed": (
        "Your notebook was submitted as '{got}' instead of '{expected}'; it was graded as '{expected}'.",
        "노트북이 '{expected}' 대신 '{got}' 이름으로 제출되어, '{expected}'로 간주하고 채점했습니다."),
    "unreadable": (
        "The submitted file '{name}' could not be read as a notebook ({reason}); "
        "it was graded as an empty submission.",
        "제출한 파일 '{name}'을(를) 노트북으로 읽을 수 없어({reason}) 빈 제출물로 채점했습니다."),
    "missing_notebook": (
        "No notebook '{expected}' was submitted; it was graded as an empty submission.",
        "'{expected}' 노트북이 제출되지 않아 빈 제출물로 채점했습니다."),
    "locked_edited": (
        "You changed cells that must stay as released ({cells}); the grader used the released version of them.",
        "수정하면 안 되는 셀({cells})이 바뀌어 있어, 배포된 원래 내용으로 채점했습니다."),
    "cells_deleted": (
        "Cells of the assignment are missing from your notebook ({cells}); "
        "your work was graded on the cells that remain.",
        "과제의 일부 셀({cells})이 노트북에서 삭제되어, 남아 있는 셀로 채점했습니다."),
    "metadata_damaged": (
        "The grading metadata of some cells was damaged ({cells}); they were graded as ordinary code cells.",
        "일부 셀({cells})의 채점 정보(metadata)가 손상되어 일반 코드 셀로 채점했습니다."),
    "timeout": (
        "Grading this submission took longer than the limit of {seconds:g} s and was stopped; "
        "every question scores zero. Ask your instructor for a re-grade if you think this is wrong.",
        "이 제출물의 채점이 제한 시간 {seconds:g}초를 넘어 중단되었고, 모든 문제가 0점입니다. "
        "잘못되었다고 생각하면 담당 교수/조교에게 재채점을 요청하세요."),
    "grader_failed": (
        "The grader could not grade this submission ({detail}); every question scores zero for now. "
        "Please tell your instructor.",
        "채점기가 이 제출물을 채점하지 못했습니다({detail}). 현재 모든 문제가 0점이니 담당 교수/조교에게 알려 주세요."),
    "cell_added": (
        "The check cell of this question was missing from your notebook; the grader added it back to record "
        "your score.",
        "이 문제의 확인 셀이 노트북에서 삭제되어 있어, 점수를 기록하려고 채점기가 다시 추가했습니다."),
    "not_in_policy": (
        "This cell is not a question of grading.yml; it was not graded automatically.",
        "이 셀은 grading.yml의 문제가 아니어서 자동 채점하지 않았습니다."),
    "header": (
        "**Graded by the course's hidden tests** in a sandbox ({sandbox}). Your code was not run in this "
        "notebook's kernel; the score and the explanation of each question are shown under its check cell.",
        "**수업의 숨겨진 테스트로 채점했습니다** (샌드박스 {sandbox}). 코드는 이 노트북의 커널에서 실행되지 않았으며, "
        "각 문제의 점수와 설명은 해당 확인 셀 아래에 있습니다."),
    "notes_title": ("Notes from the grader", "채점 참고 사항"),
    "score": ("Score", "점수"),
}


def say(key: str, lang: str, **kwargs) -> str:
    en, ko = _TEXT[key]
    return (ko if lang == "ko" else en).format(**kwargs)


# -- digests -----------------------------------------------------------------

def _engine_files() -> list[Path]:
    return sorted(p for p in Path(__file__).parent.glob("*.py")) + [Path(__file__).with_name("hidden_pytest.ini")]


def policy_digest(assignment) -> str:
    """What, besides the submission, decides a grade: grading.yml, source/<a>/, the engine."""
    h = hashlib.sha256()
    grading = Path(assignment.course_root) / "grading.yml"
    files = [grading] if grading.is_file() else []
    files += sorted(p for p in Path(assignment.source_dir).rglob("*")
                    if p.is_file() and "__pycache__" not in p.parts and ".ipynb_checkpoints" not in p.parts)
    files += _engine_files()
    for path in files:
        if path.is_file():
            h.update(str(path.name).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def engine_digest(nb: nbformat.NotebookNode, assignment, lang: str, policy: str | None = None,
                  salt=None) -> str:
    """Digest of exactly what the engine runs for this notebook (visible checks are not run),
    including which salt draws the hidden inputs (default: the environment's, see autograder.salt)."""
    from .grader import is_visible_check
    from .notebook import code_cells
    from .salt import resolve_salt
    salt = salt if salt is not None else resolve_salt()
    sources = ["" if is_visible_check(c) else c.source for c in code_cells(nb)]
    payload = json.dumps({"assignment": assignment.name, "lang": lang, "cells": sources,
                          "policy": policy or policy_digest(assignment), "salt": salt.digest}, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


# -- results store -------------------------------------------------------------

def result_path(course_root: str | Path, assignment: str, student: str,
                results_directory: str = RESULTS_DIR) -> Path:
    return Path(course_root) / results_directory / assignment / f"{student}.json"


def load_result(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and "questions" in data else None


def save_result(path: Path, data: dict) -> None:
    write_atomic(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def zero_result(assignment, lang: str, note: str, *, status: str, notebook: str = "") -> dict:
    """A result for a submission the engine could not finish: every question zero, with the reason."""
    questions = [{"name": q.name, "score": 0.0, "max_score": q.points, "summary": note,
                  "tests": [{"name": q.name, "score": 0.0, "max_score": q.points, "status": "failed",
                             "output": note}]} for q in assignment.questions]
    return {"assignment": assignment.name, "score": 0.0, "max_score": assignment.max_score, "sandbox": "-",
            "duration_s": 0.0, "questions": questions, "language": lang, "notebook": notebook,
            "notes": [note], "timings": {}, "status": status}


# -- submission folder repair ------------------------------------------------------

def _grade_ids(nb) -> dict[str, dict]:
    ids = {}
    for cell in nb.cells:
        meta = (cell.get("metadata") or {}).get("nbgrader") or {}
        if isinstance(meta, dict) and meta.get("grade_id"):
            ids.setdefault(meta["grade_id"], cell)
    return ids


def _read_quiet(path: Path):
    from .notebook import NotebookError, read_notebook
    try:
        return read_notebook(path), None
    except NotebookError as exc:
        reason = str(exc).split(": ", 1)[-1]
        return None, reason.split(";")[0][:160]


def _short(names: list[str], limit: int = 6) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f", … (+{len(names) - limit})" if len(names) > limit else "")


def _keep_original(path: Path, sidecar: Path) -> None:
    originals = sidecar / "original"
    originals.mkdir(parents=True, exist_ok=True)
    target = originals / path.name
    if not target.exists():
        shutil.move(str(path), str(target))
    else:
        path.unlink()


def _fix_metadata(nb) -> tuple[list[str], bool]:
    """Upgrade old nbgrader metadata and drop what nbgrader itself would reject.

    Returns the cells whose metadata was unusable, and whether anything changed.
    """
    from nbgrader.nbgraderformat import MetadataValidator
    validator = MetadataValidator()
    damaged, changed = [], False
    for index, cell in enumerate(nb.cells):
        meta = cell.get("metadata", {})
        if "nbgrader" not in meta:
            continue
        before = json.dumps(meta["nbgrader"], sort_keys=True, default=str)
        try:
            if not isinstance(meta["nbgrader"], dict):
                raise ValueError("not a mapping")
            validator.upgrade_cell_metadata(cell)
            validator.validate_cell(cell)
        except Exception:  # jsonschema, schema version, missing keys: all mean "unusable"
            label = meta["nbgrader"].get("grade_id") if isinstance(meta["nbgrader"], dict) else None
            damaged.append(str(label or f"#{index + 1}"))
            del meta["nbgrader"]
        changed = changed or "nbgrader" not in meta or before != json.dumps(meta["nbgrader"], sort_keys=True,
                                                                             default=str)
    return damaged, changed


def prepare_submission(folder: str | Path, release_dir: str | Path, lang: str = "en") -> list[str]:
    """Make one submission folder gradable by nbgrader and the engine; return the notes.

    Idempotent: repaired files keep their original under ``.autograder/original/``
    and the notes accumulate in ``.autograder/notes.json``.
    """
    folder, release_dir = Path(folder), Path(release_dir)
    sidecar = folder / SIDECAR
    notes: list[tuple[str, str]] = []   # (kind, text for the student)
    released = sorted(p.name for p in release_dir.glob("*.ipynb"))
    present = sorted(p.name for p in folder.glob("*.ipynb"))
    for expected in released:
        target = folder / expected
        if not target.exists():
            extra = [name for name in present if name not in released and (folder / name).exists()]
            if extra:
                release_ids = set(_grade_ids(nbformat.read(release_dir / expected, as_version=4)))

                def likeness(name):
                    nb, _ = _read_quiet(folder / name)
                    return (len(release_ids & set(_grade_ids(nb))) if nb else -1, (folder / name).stat().st_mtime)
                chosen = max(extra, key=likeness)
                shutil.copy2(folder / chosen, target)
                _keep_original(folder / chosen, sidecar)
                _record_rename(sidecar, expected, chosen)
                notes.append(("renamed", say("renamed", lang, got=chosen, expected=expected)))
            else:
                shutil.copy2(release_dir / expected, target)
                notes.append(("missing_notebook", say("missing_notebook", lang, expected=expected)))
                continue
        nb, reason = _read_quiet(target)
        if nb is None:
            _keep_original(target, sidecar)
            shutil.copy2(release_dir / expected, target)
            notes.append(("unreadable", say("unreadable", lang, name=expected, reason=reason)))
            continue
        damaged, changed = _fix_metadata(nb)
        if changed:
            _keep_original(target, sidecar)
            nbformat.write(nb, target)
        if damaged:
            notes.append(("metadata_damaged", say("metadata_damaged", lang, cells=_short(damaged))))
        reference = nbformat.read(release_dir / expected, as_version=4)
        mine = _grade_ids(nb)
        edited, deleted = [], []
        for grade_id, cell in _grade_ids(reference).items():
            if grade_id not in mine:
                deleted.append(grade_id)
            elif cell.metadata["nbgrader"].get("locked") and (
                    str(mine[grade_id].get("source", "")).strip() != str(cell.source).strip()):
                edited.append(grade_id)
        if edited:
            notes.append(("locked_edited", say("locked_edited", lang, cells=_short(edited))))
        if deleted:
            notes.append(("cells_deleted", say("cells_deleted", lang, cells=_short(deleted))))
    return _merge_notes(sidecar, notes)


def _merge_notes(sidecar: Path, notes: list[tuple[str, str]]) -> list[str]:
    old = _read_note_entries(sidecar.parent)
    merged = old + [{"kind": kind, "text": text} for kind, text in notes
                    if not any(entry["text"] == text for entry in old)]
    if merged != old:
        sidecar.mkdir(exist_ok=True)
        write_atomic(sidecar / NOTES_FILE, json.dumps(merged, ensure_ascii=False, indent=1) + "\n")
    return [entry["text"] for entry in merged]


def _read_note_entries(folder: str | Path) -> list[dict]:
    try:
        entries = json.loads((Path(folder) / SIDECAR / NOTES_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(entries, list):
        return []
    return [{"kind": str(e.get("kind", "")), "text": str(e.get("text", ""))} for e in entries if isinstance(e, dict)]


def note_kinds(folder: str | Path) -> list[str]:
    """What was repaired or noticed in a submission folder: renamed, unreadable, locked_edited..."""
    return list(dict.fromkeys(e["kind"] for e in _read_note_entries(folder)))


def _record_rename(sidecar: Path, expected: str, submitted_as: str) -> None:
    renames = read_renames(sidecar.parent)
    renames[expected] = submitted_as
    write_atomic(sidecar / RENAMES_FILE, json.dumps(renames, ensure_ascii=False, indent=1) + "\n")


def read_renames(folder: str | Path) -> dict[str, str]:
    """{released notebook name: the name the student submitted it under}"""
    try:
        renames = json.loads((Path(folder) / SIDECAR / RENAMES_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in renames.items()} if isinstance(renames, dict) else {}


def copy_feedback_for_renamed(submitted: Path, feedback: Path) -> list[Path]:
    """nbgrader release_feedback/fetch_feedback find a page by the name the student submitted:
    give a renamed notebook's page that name too."""
    copied = []
    for expected, original in read_renames(submitted).items():
        page = feedback / (Path(expected).stem + ".html")
        alias = feedback / (Path(original).stem + ".html")
        if page.is_file() and alias != page:
            shutil.copyfile(page, alias)
            copied.append(alias)
    return copied


def read_notes(folder: str | Path) -> list[str]:
    """The notes for the student about their submission folder (see :func:`prepare_submission`)."""
    return [e["text"] for e in _read_note_entries(folder)]


# -- nbgrader's course directory -------------------------------------------------------

def load_course_config(course_root: str | Path):
    """The course's nbgrader configuration, as nbgrader loads it from nbgrader_config.py."""
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader
    path = Path(course_root) / "nbgrader_config.py"
    if not path.is_file():
        return Config()
    return PyFileConfigLoader(path.name, path=str(path.parent)).load_config()


def course_directory(course_root: str | Path, config=None):
    from nbgrader.coursedir import CourseDirectory
    coursedir = CourseDirectory(config=config if config is not None else load_course_config(course_root))
    coursedir.root = str(Path(course_root).resolve())
    return coursedir


def _running_apps():
    """The nbgrader application running this code and its sub-applications, outermost first."""
    try:
        from traitlets.config import Application
        app = Application.instance() if Application.initialized() else None
    except Exception:
        app = None
    while app is not None:
        yield app
        app = getattr(app, "subapp", None)


def _running_coursedir():
    """The CourseDirectory of the nbgrader command running this code (else: from ./nbgrader_config.py)."""
    for app in _running_apps():
        if getattr(app, "coursedir", None) is not None:
            return app.coursedir
    return course_directory(Path.cwd())


def _feedback_lang(assignment_id: str) -> str:
    """EngineGrade.lang of the running command if set, else the assignment's language in grading.yml."""
    grading_file = "grading.yml"
    for app in _running_apps():
        settings = app.config.get("EngineGrade", {}) if hasattr(app, "config") else {}
        if settings.get("lang"):
            return str(settings["lang"])
        grading_file = settings.get("grading_file", grading_file)
    try:
        from .config import get_assignment
        return get_assignment(assignment_id, grading_file).feedback_language
    except Exception:
        return "en"


def prepare_hook(assignment=None, student=None, notebooks=None, **_) -> None:
    """``Autograde.pre_convert_hook``: repair each submission folder before nbgrader reads it.

    nbgrader passes the list of notebooks it is about to convert; the list is
    updated in place so a renamed notebook is graded under its released name.
    """
    if not notebooks:
        return
    coursedir = _running_coursedir()
    folders = sorted({Path(p).parent for p in notebooks})
    fresh = []
    for folder in folders:
        assignment_id = folder.name
        release = Path(coursedir.format_path(coursedir.release_directory, ".", assignment_id))
        if release.is_dir():
            prepare_submission(folder, release, _feedback_lang(assignment_id))
        fresh += sorted(str(p) for p in folder.glob("*.ipynb"))
    notebooks[:] = fresh


def feedback_hook(assignment=None, student=None, notebooks=None, **_) -> None:
    """``GenerateFeedback.post_convert_hook``: a renamed notebook's feedback page also gets the
    name the student submitted, so ``nbgrader fetch_feedback`` finds it."""
    coursedir = _running_coursedir()
    pattern = coursedir.format_path(coursedir.autograded_directory, "(?P<student_id>[^/]+)",
                                    "(?P<assignment_id>[^/]+)", escape=True)
    for folder in sorted({str(Path(p).parent) for p in notebooks or []}):
        match = re.fullmatch(pattern, folder)
        if match:
            student_id, assignment_id = match.group("student_id"), match.group("assignment_id")
            copy_feedback_for_renamed(
                Path(coursedir.format_path(coursedir.submitted_directory, student_id, assignment_id)),
                Path(coursedir.format_path(coursedir.feedback_directory, student_id, assignment_id)))


# -- grade cell outputs ----------------------------------------------------------

def _fmt(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".") if x != int(x) else str(int(x))


def question_feedback(question: dict, lang: str) -> tuple[str, str]:
    """(html, plain text) explanation of one question: score, summary, what failed and why."""
    e = html.escape
    head = f"{question['name']}: {_fmt(question['score'])} / {_fmt(question['max_score'])} — {question.get('summary', '')}"
    failed = [t for t in question.get("tests", []) if t.get("status") != "passed"
              and t.get("output") and t.get("output") != question.get("summary")]
    text = [head] + [f"- {t['name']} ({_fmt(t['score'])} / {_fmt(t['max_score'])})\n" +
                     "\n".join("    " + line for line in str(t["output"]).splitlines()) for t in failed]
    body = "".join(f"<li><b>{e(t['name'])}</b> ({_fmt(t['score'])} / {_fmt(t['max_score'])})"
                   f"<pre>{e(str(t['output']))}</pre></li>" for t in failed)
    full = question["score"] >= question["max_score"] - 1e-9
    colour = "#1a7f37" if full else ("#b35900" if question["score"] > 0 else "#c62828")
    page = (f"<div class=\"autograder-feedback\"><p><b style=\"color:{colour}\">{e(say('score', lang))}: "
            f"{_fmt(question['score'])} / {_fmt(question['max_score'])}</b> — {e(question.get('summary', ''))}</p>"
            + (f"<ul>{body}</ul>" if body else "") + "</div>")
    return page, "\n".join(text)


def score_outputs(question: dict, lang: str, extra_note: str = "") -> list:
    """The grade cell's outputs: the explanation, then the score as nbgrader partial credit."""
    page, text = question_feedback(question, lang)
    if extra_note:
        page = f"<p><i>{html.escape(extra_note)}</i></p>" + page
        text = extra_note + "\n" + text
    return [new_output("display_data", data={"text/html": page, "text/plain": text}),
            new_output("execute_result", data={"text/plain": repr(float(round(question["score"], 6)))},
                       execution_count=None)]


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
            cell.metadata["nbgrader"] = _grade_cell_meta(grade_id, question.points)
            solution_at = [i for i, c in enumerate(nb.cells) if _nbgrader_meta(c).get("grade_id") == question.name]
            nb.cells.insert(solution_at[0] + 1 if solution_at else len(nb.cells), cell)
        cell.outputs = score_outputs(outcome, lang, note)
        cell.execution_count = None
    notes = result.get("notes") or []
    text = say("header", lang, sandbox=html.escape(str(result.get("sandbox", "?"))))
    if notes:   # notes quote file names the student chose: escape them, the page is HTML
        text += f"\n\n**{say('notes_title', lang)}**\n\n" + "\n".join(f"- {_md_escape(n)}" for n in notes)
    nb.cells.insert(0, new_markdown_cell(text))


def _md_escape(text: str) -> str:
    return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", html.escape(str(text), quote=False))


# -- the preprocessor --------------------------------------------------------------------

class EngineGrade(NbGraderPreprocessor):
    """Grade the notebook with the sandboxed engine instead of executing it (replaces ``Execute``)."""

    if Unicode is not None:
        grading_file = Unicode("grading.yml", help="grading policy, relative to the course root").tag(config=True)
        results_directory = Unicode(RESULTS_DIR, help="where engine results are stored and reused").tag(config=True)
        lang = Unicode("", help="feedback language (ko|en); default: grading.yml").tag(config=True)
        sandbox = Unicode("", help="force a sandbox level (L0|L1|L2|L2+L1); default: strongest").tag(config=True)
        use_cache = Bool(True, help="reuse a stored result whose digest matches the notebook").tag(config=True)

    def _coursedir(self):
        converter = getattr(getattr(self, "parent", None), "parent", None)
        return getattr(converter, "coursedir", None) or _running_coursedir()

    def preprocess(self, nb, resources):
        from .config import get_assignment
        ids = resources["nbgrader"]
        student, assignment_id, notebook_id = ids["student"], ids["assignment"], ids["notebook"]
        coursedir = self._coursedir()
        root = Path(coursedir.root).resolve()
        assignment = get_assignment(assignment_id, root / self.grading_file)
        lang = self.lang or assignment.feedback_language
        if notebook_id != Path(assignment.notebook).stem:
            self.log.warning("%s/%s: notebook %s is not graded by the engine (grading.yml names %s)",
                             student, assignment_id, notebook_id, assignment.notebook)
            drop_orphan_metadata(nb)
            zero_unknown_grade_cells(nb, set(), lang)
            return nb, resources
        submitted = Path(coursedir.format_path(coursedir.submitted_directory, student, assignment_id))
        digest = engine_digest(nb, assignment, lang)
        store = result_path(root, assignment_id, student, self.results_directory)
        result = load_result(store) if self.use_cache else None
        if result is not None and result.get("digest") == digest:
            self.log.info("%s/%s: using the engine result in %s", student, assignment_id, store)
        else:
            result = grade_node(nb, assignment, lang=lang, level=self.sandbox or None,
                                notes=read_notes(submitted))
            result.update(student_id=student, digest=digest,
                          notebook=str(submitted / f"{notebook_id}.ipynb"))
            save_result(store, result)
            self.log.info("%s/%s: engine score %s / %s", student, assignment_id, result["score"],
                          result["max_score"])
        apply_result(nb, result, assignment, lang)
        nb.metadata[ENGINE_KEY] = {"digest": digest, "score": result["score"], "max_score": result["max_score"],
                                   "sandbox": result.get("sandbox"), "status": result.get("status", "graded")}
        return nb, resources


def grade_node(nb, assignment, *, lang: str, level: str | None = None, notes: list[str] | None = None,
               path: str | Path | None = None) -> dict:
    """Grade a notebook node (or the file ``path``) with the engine; a plain-data result."""
    from .grader import grade_notebook
    from .notebook import NotebookError
    with tempfile.TemporaryDirectory(prefix="autograder-nb-") as tmp:
        if path is None:
            path = Path(tmp) / f"{Path(assignment.notebook).stem}.ipynb"
            nbformat.write(nb, path)
        try:
            result = grade_notebook(path, assignment, lang=lang, level=level).to_dict()
            result["status"] = "graded"
        except NotebookError as exc:
            result = zero_result(assignment, lang, say("unreadable", lang, name=Path(path).name,
                                                       reason=str(exc)[:160]), status="unreadable")
    result["notes"] = list(notes or []) + [n for n in result.get("notes", []) if n not in (notes or [])]
    return result


def sanitized_notebook(notebook: str | Path, coursedir, config, student: str, assignment_id: str):
    """The notebook exactly as ``nbgrader autograde`` hands it to :class:`EngineGrade`.

    Runs the course's configured ``Autograde.sanitize_preprocessors`` (reading
    the gradebook, never writing it).
    """
    from nbconvert.exporters import NotebookExporter
    from nbgrader.converters import Autograde
    from traitlets.config import Config
    config = Config(config)
    config.Exporter.default_preprocessors = []
    converter = Autograde(coursedir=coursedir, config=config)
    exporter = NotebookExporter(parent=converter, config=converter.config)
    for preprocessor in converter.sanitize_preprocessors:
        exporter.register_preprocessor(preprocessor)
    resources = {"nbgrader": {"student": student, "assignment": assignment_id,
                              "notebook": Path(notebook).stem, "db_url": coursedir.db_url},
                 "unique_key": Path(notebook).stem}
    output, _ = exporter.from_filename(str(notebook), resources=resources)
    return nbformat.reads(output, as_version=4)
