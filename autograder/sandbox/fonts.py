"""matplotlib's font list, built once per installation by a trusted process, for every worker to start with.

A worker's home is new and empty, so the first ``import matplotlib.pyplot`` of every notebook would scan and
parse every font on the machine again to write matplotlib's font list (``fontlist-v*.json`` in
``MPLCONFIGDIR``): about 0.3 s of each transfer_learning or cnn_inside grade.  ``make setup`` builds the list
once (:func:`build_font_list`, in a process of its own that imports only matplotlib); each workspace gets a
copy of it next to the worker program, and the worker puts it in its ``MPLCONFIGDIR`` when the notebook
first imports matplotlib (not before: until then the worker's folder stays as the student left it).
The list holds font file names and metrics only.  The sandbox sees the same ``/usr`` and interpreter folders
as the grader, so the same files; if one is missing, matplotlib rebuilds the list in the worker, as it
would without it.  Without a built list (a kit installed without ``make setup``) nothing changes.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

#: Where the list is kept: inside the interpreter's environment, which the sandbox binds read-only.
FONT_LIST_DIR = Path(sys.prefix) / "share" / "cnn-course-kit" / "matplotlib"
PATTERN = "fontlist-v*.json"


def font_lists(folder: Path | None = None) -> list[Path]:
    """The font lists a worker should start with (one per matplotlib version built; usually one)."""
    try:
        return sorted(p for p in (folder or FONT_LIST_DIR).glob(PATTERN) if p.is_file())
    except OSError:
        return []


def build_font_list(folder: Path | None = None, timeout_s: float = 120) -> Path | None:
    """Have matplotlib write its font list into ``folder``; its path, or None without matplotlib.

    A new interpreter builds it in a private folder, then the file is moved into place, so a worker never
    copies half a list.
    """
    folder = folder or FONT_LIST_DIR
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as private:
        env = {**os.environ, "MPLCONFIGDIR": private, "MPLBACKEND": "Agg"}
        proc = subprocess.run([sys.executable, "-s", "-c", "import matplotlib.font_manager"], env=env,
                              stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout_s)
        built = sorted(Path(private).glob(PATTERN))
        if proc.returncode != 0 or not built:
            return None
        final = folder / built[-1].name
        os.replace(built[-1], final)
        return final


def copy_font_lists(dest: Path, folder: Path | None = None) -> None:
    """Put the built font lists into a workspace folder the worker reads (``prog/``)."""
    for path in font_lists(folder):
        shutil.copyfile(path, dest / path.name)
