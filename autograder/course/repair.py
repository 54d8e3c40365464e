"""Repair a submission folder before nbgrader and the engine read it.

A renamed notebook is graded under its released name; an empty or corrupt one
is replaced by the released notebook (graded as empty); and every cell's
nbgrader metadata is taken from the released notebook, whatever the student
did to it (points raised, grade/solution/locked flags flipped, grade ids
invented or duplicated, schema version or checksum edited, cell type
changed), because nbgrader refuses a notebook whose metadata does not
validate, and must never record points the student wrote.  Each repair
leaves a note for the student and the original file under
``.autograder/original/``.
"""
from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_raw_cell

from ..feedback.bridge_texts import say
from ..feedback.report import write_atomic
from .plain_files import keep_regular_files, removed_names, replace_linked_folder

#: Per-submission folder of the bridge (ignored by nbgrader: CourseDirectory.ignore has ".*").
SIDECAR = ".autograder"
NOTES_FILE = "notes.json"
RENAMES_FILE = "renamed.json"

#: nbgrader metadata whose change alters what is graded or recorded (a missing checksum or
#: cell_type key is only an older notebook format and is restored without a note).
_FLAGS = ("grade", "solution", "locked", "task")


def _claimed_id(cell) -> str | None:
    meta = (cell.get("metadata") or {}).get("nbgrader")
    grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
    return grade_id if isinstance(grade_id, str) and grade_id else None


def _differs(cell, released) -> bool:
    meta, ref = cell.metadata.get("nbgrader"), released.metadata["nbgrader"]
    if not isinstance(meta, dict) or cell.cell_type != released.cell_type:
        return True
    if any(bool(meta.get(flag)) != bool(ref.get(flag)) for flag in _FLAGS):
        return True
    if meta.get("points") != ref.get("points") or meta.get("schema_version") != ref.get("schema_version"):
        return True
    return any(key in meta and meta[key] != ref.get(key) for key in ("checksum", "cell_type"))


_MAKERS = {"code": new_code_cell, "markdown": new_markdown_cell, "raw": new_raw_cell}


def _retyped(cell, cell_type: str):
    """``cell`` as a cell of ``cell_type`` (same source and metadata), as nbgrader's OverwriteCells does."""
    source = cell.get("source", "")
    new = _MAKERS[cell_type](source=source if isinstance(source, str) else "".join(map(str, source)),
                             metadata=cell.get("metadata", {}))
    if "id" in cell:
        new["id"] = cell["id"]
    return new


def _kept_copy(nb, indices: list[int], released) -> int:
    """Of several cells claiming one grade id, the one to keep as that cell: for a locked cell the
    copy still as released, else the last (the definition Python keeps, and nbgrader's choice)."""
    if released.metadata["nbgrader"].get("locked"):
        same = [i for i in indices if str(nb.cells[i].get("source", "")).strip() == str(released.source).strip()]
        if same:
            return same[-1]
    return indices[-1]


def _valid(node, ref: str | None = None) -> bool:
    from nbformat.v4.nbbase import validate
    from nbformat.validator import ValidationError
    try:
        validate(node, ref)
    except ValidationError:
        return False
    return True


def make_valid(nb, release) -> list[str]:
    """Drop what breaks the notebook format (nbgrader refuses such a notebook as a whole): a cell's
    invalid metadata, then its outputs, then all but its source; invalid notebook metadata is
    replaced by the release's.  Returns the cells changed."""
    if _valid(nb):   # one validation of the whole notebook (the usual case) instead of one per cell
        return []
    changed = []
    for index, cell in enumerate(nb.cells):
        ref = f"{cell.get('cell_type')}_cell"
        if cell.get("cell_type") not in _MAKERS or _valid(cell, ref):
            continue
        kept = {key: value for key, value in (cell.get("metadata") or {}).items()
                if key in ("nbgrader", "deletable", "editable")}
        cell["metadata"] = nbformat.from_dict(kept)
        if not _valid(cell, ref) and cell.cell_type == "code":
            cell["outputs"], cell["execution_count"] = [], None
        if not _valid(cell, ref):
            nb.cells[index] = _retyped(cell, cell.cell_type)
        changed.append(_claimed_id(nb.cells[index]) or f"#{index + 1}")
    if not _valid(nb):
        nb.metadata = copy.deepcopy(release.metadata)
        changed.append("notebook metadata")
    return changed


def restore_release_metadata(nb, release) -> dict[str, list[str]]:
    """Give every cell of ``nb`` the nbgrader metadata of the released notebook ``release``.

    Cells claiming a released grade id get that cell's metadata (and cell type);
    of duplicates one keeps it, the others become ordinary cells; cells with any
    other nbgrader metadata become ordinary cells.  Returns the grade ids per
    kind of change: ``metadata_restored``, ``duplicate_cells``, ``foreign_cells``.
    """
    released = {}
    for cell in release.cells:
        if _claimed_id(cell):
            released.setdefault(_claimed_id(cell), cell)
    holders: dict[str, list[int]] = {}
    foreign = []
    for index, cell in enumerate(nb.cells):
        metadata = cell.get("metadata") or {}
        if "nbgrader" not in metadata:
            continue
        grade_id = _claimed_id(cell)
        if grade_id in released:
            holders.setdefault(grade_id, []).append(index)
        else:
            foreign.append(grade_id or f"#{index + 1}")
            del metadata["nbgrader"]
    restored, duplicated = [], []
    for grade_id, indices in holders.items():
        ref = released[grade_id]
        keep = _kept_copy(nb, indices, ref)
        if len(indices) > 1:
            duplicated.append(grade_id)
            for index in indices:
                if index != keep:
                    del nb.cells[index].metadata["nbgrader"]
        cell = nb.cells[keep]
        if _differs(cell, ref):
            restored.append(grade_id)
        if cell.cell_type != ref.cell_type:
            cell = nb.cells[keep] = _retyped(cell, ref.cell_type)
        cell.metadata["nbgrader"] = copy.deepcopy(ref.metadata["nbgrader"])
        for flag in ("editable", "deletable"):   # Jupyter's own lock flags, as released
            if flag in ref.metadata:
                cell.metadata[flag] = ref.metadata[flag]
            else:
                cell.metadata.pop(flag, None)
    changes = {"metadata_restored": restored, "duplicate_cells": duplicated, "foreign_cells": foreign}
    return {kind: names for kind, names in changes.items() if names}


def _grade_ids(nb) -> dict[str, dict]:
    ids = {}
    for cell in nb.cells:
        meta = (cell.get("metadata") or {}).get("nbgrader") or {}
        if isinstance(meta, dict) and meta.get("grade_id"):
            ids.setdefault(meta["grade_id"], cell)
    return ids


def _read_quiet(path: Path):
    from ..engine.notebook import NotebookError, read_notebook
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


def prepare_submission(folder: str | Path, release_dir: str | Path, lang: str = "en",
                       top: str | Path | None = None) -> list[str]:
    """Make one submission folder gradable by nbgrader and the engine; return the notes.

    First, only regular files stay in it (:mod:`autograder.plain_files`; ``top``: the
    ``submitted/`` folder, so that a linked student folder is caught too).
    Idempotent: repaired files keep their original under ``.autograder/original/``
    and the notes accumulate in ``.autograder/notes.json``.
    """
    folder, release_dir = Path(folder), Path(release_dir)
    sidecar = folder / SIDECAR
    notes: list[tuple[str, str]] = []   # (kind, text for the student)
    if replace_linked_folder(folder, top):
        notes.append(("folder_link", say("folder_link", lang)))
    removed = keep_regular_files(folder)
    if removed:
        notes.append(("links_removed", say("links_removed", lang, names=removed_names(removed))))
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
        reference = nbformat.read(release_dir / expected, as_version=4)
        invalid = make_valid(nb, reference)
        changes = {**({"format_repaired": invalid} if invalid else {}), **restore_release_metadata(nb, reference)}
        if changes:   # else at most a missing checksum was filled in: nbgrader does that itself
            _keep_original(target, sidecar)
            nbformat.write(nb, target)
        for kind, cells in changes.items():
            notes.append((kind, say(kind, lang, cells=_short(cells))))
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

