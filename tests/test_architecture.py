"""The package's architecture holds: import contracts, no cycles, an engine that names no assignment,
an engine digest that covers every module, and the public paths hidden tests import.

Each test here fails on a plausible regression: an import that crosses a layer or the trust boundary
(``lint-imports``), an import cycle hidden inside a function (grimp sees imports at any depth), an exercise's
names written into the engine, a digest that stops at the top folder, a re-export that drifts.
"""
from __future__ import annotations

import ast
import importlib
import importlib.util
import pkgutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest
import yaml

import autograder

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "autograder"


def test_import_contracts_hold():
    """`lint-imports` (pyproject.toml [tool.importlinter]) keeps every contract, the README's command."""
    proc = subprocess.run([str(Path(sys.executable).with_name("lint-imports"))], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "BROKEN" not in proc.stdout and " KEPT" in proc.stdout


def test_no_import_cycle_anywhere_in_the_package():
    """No module reaches itself through imports, at module level or inside functions."""
    graph = grimp.build_graph("autograder", cache_dir=None)
    modules = sorted(graph.modules)
    edges = {m: graph.find_modules_directly_imported_by(m) for m in modules}
    index, low, on_stack, stack, cycles, counter = {}, {}, set(), [], [], [0]

    def visit(node):   # Tarjan's strongly connected components, iterative over a small graph
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in edges.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for module in modules:
        if module not in index:
            visit(module)
    # A package importing its own submodule (``from . import x`` in __init__) is not a cycle of modules.
    real = [c for c in cycles if not all(any(o.startswith(m + ".") or m.startswith(o + ".") for o in c if o != m)
                                         for m in c)]
    assert real == []


def _names_the_engine_may_not_know() -> set[str]:
    """Each assignment's graded functions: knowledge that belongs in source/<name>/ and grading.yml."""
    grading = yaml.safe_load((ROOT / "grading.yml").read_text(encoding="utf-8"))
    names = {q["name"] for a in grading["assignments"].values() for q in a["questions"]}
    return names | set(grading["assignments"])


def _code_strings_and_names(tree: ast.AST):
    """Identifiers and string constants of a module, docstrings left out (they may give examples)."""
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node.value
        elif isinstance(node, ast.Name):
            yield node.id
        elif isinstance(node, ast.Attribute):
            yield node.attr


def test_the_engine_names_no_assignment():
    """No graded function, assignment name or exercise variable appears in the engine's code (docstrings aside):
    an assignment is data (ARCHITECTURE.md), so adding one needs no engine change."""
    exercise = _names_the_engine_may_not_know() | {"hparameters", "A_prev", "n_H_prev", "n_W_prev"}
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        words = set()
        for text in _code_strings_and_names(tree):
            words.update(w for w in exercise if w in text.replace("-", "_").split() or w == text
                         or f"`{w}" in text or f"{w}(" in text or f"{w}[" in text)
        if words:
            found.append(f"{path.relative_to(ROOT)}: {sorted(words)}")
    assert found == []


def test_the_engine_digest_covers_every_module_of_every_subpackage():
    """A stored result must not outlive a change to any module (a non-recursive glob would miss the subpackages)."""
    from autograder.course.nbgrader_bridge import _engine_files
    covered = {p.resolve() for p in _engine_files()}
    modules = {p.resolve() for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts}
    assert modules <= covered
    assert any(p.parent.name == "inside" for p in covered)     # the worker itself, two folders down
    assert PACKAGE / "engine" / "hidden_pytest.ini" in covered


@pytest.mark.parametrize("public, home", [("checks", "engine.checks"), ("expected", "engine.expected"),
                                          ("codec", "sandbox.inside.codec"), ("session", "sandbox.session")])
def test_hidden_tests_public_paths_are_the_engine_modules(public, home):
    """``from autograder.checks import ...`` in an instructor's hidden test gets the engine's own objects."""
    assert importlib.import_module(f"autograder.{public}") is importlib.import_module(f"autograder.{home}")


def test_every_module_imports_and_each_subpackage_says_what_it_may_import():
    for info in pkgutil.walk_packages(autograder.__path__, "autograder."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        if info.ispkg and info.name.count(".") == 1:
            doc = module.__doc__ or ""
            assert "May import" in doc and "ever import" in doc, info.name


def test_strings_that_name_modules_resolve():
    """Module paths that live in strings (nbgrader_config.py, `python -m` targets, package data) still exist."""
    config = (ROOT / "nbgrader_config.py").read_text(encoding="utf-8")
    dotted = {d for d in _autograder_paths(config)}
    assert dotted, "nbgrader_config.py names no autograder object"
    for path in dotted:
        module, _, attr = path.rpartition(".")
        assert hasattr(importlib.import_module(module), attr), path
    targets = set()
    for path in PACKAGE.rglob("*.py"):
        for target in _python_m_targets(path.read_text(encoding="utf-8")):
            assert importlib.util.find_spec(target) is not None, f"{path.name}: -m {target}"
            targets.add(target)
    assert {"autograder.course.grading_pool", "autograder.course.nbgrader_cli"} <= targets   # the check saw them
    from autograder.course.record_gradebook import FEEDBACK_READERS
    for name in FEEDBACK_READERS:        # modules whose Gradebook the feedback workers replace
        importlib.import_module(name)
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    for pattern in ("engine/hidden_pytest.ini", "ci/templates/*", "ci/gradescope_files/*"):
        assert f'"{pattern}"' in pyproject
        assert list(PACKAGE.glob(pattern)), pattern


def _autograder_paths(text: str) -> set[str]:
    import re
    return set(re.findall(r'"(autograder(?:\.\w+)+)"', text))


def _python_m_targets(text: str) -> set[str]:
    """``"-m", "autograder.x"`` of subprocess commands and ``import_module("autograder.x")`` calls."""
    import re
    return (set(re.findall(r'"-m",\s*"(autograder(?:\.\w+)*)"', text))
            | set(re.findall(r'import_module\("(autograder(?:\.\w+)*)"\)', text)))


def test_imports_inside_functions_name_modules_and_objects_that_exist():
    """An import that runs only when a function is called (a lazy import) still points at a real module and
    name: a module moved without its callers updated fails here, not in a student's grading run."""
    missing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        package = parts[:-1]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom):
                continue
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module.split(".")[0] != "autograder":
                continue
            if importlib.util.find_spec(module) is None:
                missing.append(f"{path.relative_to(ROOT)}:{node.lineno}: no module {module}")
                continue
            imported = importlib.import_module(module)
            for alias in node.names:
                if not hasattr(imported, alias.name) and importlib.util.find_spec(f"{module}.{alias.name}") is None:
                    missing.append(f"{path.relative_to(ROOT)}:{node.lineno}: {module} has no {alias.name}")
    assert missing == []


def test_the_longest_first_order_names_test_files_that_exist():
    """A renamed or moved file would silently drop out of the order `make test` hands files out in."""
    from conftest import LONGEST_FIRST
    files = {path.name for path in (ROOT / "tests").rglob("test_*.py")}
    assert set(LONGEST_FIRST) <= files, sorted(set(LONGEST_FIRST) - files)
    assert len(set(LONGEST_FIRST)) == len(LONGEST_FIRST)
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "--dist loadfile --no-loadscope-reorder" in makefile     # else xdist reorders by test count
