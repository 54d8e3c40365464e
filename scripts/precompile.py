"""Byte-compile what the course kit's processes import (make setup; run by the venv's interpreter).

pip compiles every file it installs unless told not to: ~12,400 files for these pins, about 20 s of a
fresh `make setup`, for the ~3,600 modules any grading, nbgrader command, Jupyter kernel or test process
imports (PyTorch alone installs sympy and networkx, which none of them loads).  `make setup` installs
with `--no-compile` and runs this instead: it imports those modules once with bytecode writing on,
which compiles exactly them.  The list is the runtime of the kit (the grader, nbgrader, a Jupyter kernel,
pytest) plus every package the assignments in source/ import (their notebooks, shipped modules and
hidden tests), found by reading them, so that sandbox workers, which cannot write bytecode, find it
written.  Anything else is compiled by the first process that imports it, as Python always does (`make`
clears PYTHONDONTWRITEBYTECODE for its commands so that this happens once, not in every process).
It also builds matplotlib's font list for the workers once (autograder/sandbox/fonts.py), for the same
reason: a worker cannot keep what it builds.
"""
from __future__ import annotations

import ast
import importlib
import importlib.util
import json
import subprocess
import sys
import threading
from pathlib import Path

sys.dont_write_bytecode = False        # whatever PYTHONDONTWRITEBYTECODE says: writing them is the point

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "source"            # the assignments

#: The runtime of the kit, in two groups imported by two processes at once (about 6 s each).
RUNTIME = [
    [   # the grader and its sandbox workers (and below, what the assignments import)
        "autograder.engine.grader", "autograder.engine.suites", "autograder.sandbox.inside.worker",
        "numpy", "torch", "yaml", "pydantic", "threadpoolctl",
    ],
    [   # the command line, nbgrader, its database and its pages; a Jupyter kernel (validate and
        # generate_solution start one); the test suite
        "autograder.cli", "autograder.course.batch", "nbgrader.apps", "nbgrader.api", "nbgrader.preprocessors", "nbgrader.converters", "nbformat", "nbclient",
        "nbconvert", "nbconvert.exporters.html", "sqlalchemy.dialects.sqlite", "alembic.config", "alembic.script",
        "nh3", "ipykernel.kernelapp", "IPython", "jupyter_client", "matplotlib_inline.backend_inline",
        "pytest", "xdist", "pytest_timeout", "hypothesis", "filelock",
    ],
]


def _imports_of(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names.add(node.module)
    return names


def assignment_imports(source: Path) -> set[str]:
    """Modules the assignments' notebooks, shipped modules and hidden tests import."""
    names: set[str] = set()
    for path in source.rglob("*.py"):
        names |= _imports_of(path.read_text(encoding="utf-8", errors="replace"))
    for path in source.rglob("*.ipynb"):
        try:
            cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        except (ValueError, KeyError):
            continue
        for cell in cells:
            if cell.get("cell_type") == "code":
                code = "".join(cell.get("source", []))
                names |= _imports_of("\n".join(line for line in code.splitlines()
                                               if not line.lstrip().startswith(("%", "!"))))
    return names


def installed(name: str) -> bool:
    """A module of an installed package (not one of the course's own files, which Python compiles
    where they are when the grader first imports them)."""
    try:
        spec = importlib.util.find_spec(name.partition(".")[0])
    except (ImportError, ValueError):
        return False
    return spec is not None and spec.origin is not None and SOURCE not in Path(spec.origin).resolve().parents


def import_all(names: list[str]) -> list[str]:
    """Import ``names`` (compiling what has no bytecode yet); the ones that cannot be imported here."""
    missing = []
    for name in names:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - one this platform lacks: it is compiled when first used, if ever
            missing.append(name)
    return missing


def main(argv: list[str]) -> int:
    if argv:                            # one group, in a process of its own
        missing = import_all(argv)
        print(" ".join(missing))
        return 0
    engine, course = RUNTIME
    # Public modules only: a private one (torch._dynamo, imported by a shipped module only once the
    # student's code has imported it) is loaded by its own package when it is needed.
    engine = engine + sorted(name for name in assignment_imports(SOURCE)
                             if installed(name) and not any(part.startswith("_") for part in name.split(".")))
    other = subprocess.Popen([sys.executable, __file__, *course], stdout=subprocess.PIPE, text=True)
    missing = import_all(engine)
    fonts = threading.Thread(target=_font_list)       # matplotlib is compiled by now
    fonts.start()
    missing += other.communicate()[0].split()
    fonts.join()
    print(f"precompile: {len(engine) + len(course)} packages and modules of the kit compiled or up to date"
          + (f"; not importable here (compiled when first used): {', '.join(missing)}" if missing else ""))
    return other.returncode


def _font_list() -> None:
    """matplotlib's font list for the sandbox workers (autograder/sandbox/fonts.py), built once here."""
    from autograder.sandbox.fonts import build_font_list
    try:
        build_font_list()
    except (OSError, subprocess.SubprocessError) as exc:
        print(f"precompile: no font list for the workers ({exc}); each builds its own", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
