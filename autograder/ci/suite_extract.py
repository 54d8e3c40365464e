"""Extract the public tests of hidden pytest files, and nothing else.

A hidden test file usually holds public and non-public tests side by side,
with shared constants (case tables, hints) and helper modules (``_cases.py``).
Shipping the file would ship every hidden test; so the practice kit gets a
*generated* copy of each file that keeps only:

* the public test functions,
* the module-level definitions they reach (transitively, by name),
* the same-folder helper modules they import, themselves cut down to the
  attributes the kept code uses,
* imports and the few module names the engine reads (``STUDENT_ERROR_HINTS``).

Comments and the module docstring are dropped (they describe the hidden
cases).  Reachability is by name, an over-approximation: a local variable
that happens to share a module-level name keeps that definition too, which
costs a little leakage, never a broken suite.  Dynamic lookups (``globals()``,
``getattr(module, name)``) are not followed; the kit builder catches that by
running the extracted suite on the reference solution before it ships.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

#: Module attributes the engine reads itself (runner._error_hints, pytest).
_ENGINE_NAMES = {"STUDENT_ERROR_HINTS", "pytestmark"}


class ExtractError(Exception):
    """A hidden file cannot be cut down (syntax error, star import...): one line."""


def _bound_names(stmt: ast.stmt) -> set[str]:
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {stmt.name}
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name).split(".")[0] for a in stmt.names}
    # Assignments and compound statements (if/try/for/with blocks): everything they bind,
    # nested definitions and imports included, so a definition inside `if` is not shipped blindly.
    names = set()
    for node in ast.walk(stmt):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return names


def _used_names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} | {
        arg.arg for n in ast.walk(node) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
        for arg in n.args.args + n.args.kwonlyargs}   # fixtures are requested by argument name


def _is_docstring(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)


@dataclass
class _Module:
    path: Path
    tree: ast.Module
    roots: set[str] = field(default_factory=set)
    kept: list[ast.stmt] = field(default_factory=list)


class SuiteExtractor:
    """Cut hidden test files of one folder down to their public tests."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.modules: dict[str, _Module] = {}

    def _module(self, name: str) -> _Module:
        if name not in self.modules:
            path = self.folder / f"{name}.py"
            try:
                tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            except (OSError, SyntaxError, UnicodeDecodeError) as exc:
                raise ExtractError(f"{path}: cannot be read for extraction ({exc})") from None
            self.modules[name] = _Module(path, tree)
        return self.modules[name]

    def _is_sibling(self, module: str | None) -> bool:
        return bool(module) and "." not in module and (self.folder / f"{module}.py").is_file()

    def add(self, test_file: Path, public: set[str]) -> None:
        """Mark test functions of ``test_file`` (same folder) as public."""
        test_file = Path(test_file)
        if test_file.parent.resolve() != self.folder.resolve():
            raise ExtractError(f"{test_file}: public tests must live in {self.folder}")
        self._module(test_file.stem).roots |= public

    def _shake(self, module: _Module) -> dict[str, set[str]]:
        """Keep what ``module.roots`` reach; return the attributes needed from sibling modules."""
        needed = set(module.roots) | _ENGINE_NAMES
        body = [s for s in module.tree.body if not _is_docstring(s)]
        for stmt in body:   # names a star import binds cannot be followed
            if isinstance(stmt, ast.ImportFrom) and any(a.name == "*" for a in stmt.names):
                raise ExtractError(f"{module.path}: 'from {stmt.module} import *' cannot be extracted; "
                                   "import the names you use")
        keep: list[bool] = [False] * len(body)
        changed = True
        while changed:
            changed = False
            for i, stmt in enumerate(body):
                if keep[i]:
                    continue
                bound = _bound_names(stmt)
                future = isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__"
                if future or (bound & needed) or (not bound and not isinstance(stmt, (ast.Import, ast.ImportFrom))):
                    keep[i] = True
                    needed |= _used_names(stmt)
                    changed = True
        kept = [s for s, k in zip(body, keep) if k]
        sibling_needs: dict[str, set[str]] = {}
        aliases: dict[str, str] = {}
        for stmt in kept:
            if isinstance(stmt, ast.Import):
                for alias in stmt.names:
                    if self._is_sibling(alias.name):
                        aliases[alias.asname or alias.name] = alias.name
                        sibling_needs.setdefault(alias.name, set())
            elif isinstance(stmt, ast.ImportFrom) and stmt.level == 0 and self._is_sibling(stmt.module):
                sibling_needs.setdefault(stmt.module, set()).update(
                    a.name for a in stmt.names if (a.asname or a.name) in needed)
        for stmt in kept:
            for node in ast.walk(stmt):
                if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                        and node.value.id in aliases):
                    sibling_needs[aliases[node.value.id]].add(node.attr)
        module.kept = kept
        return sibling_needs

    def extract(self) -> dict[str, str]:
        """File name -> generated source, for every test file and helper module needed."""
        done: dict[str, frozenset[str]] = {}
        pending = list(self.modules)
        while pending:
            name = pending.pop()
            module = self._module(name)
            if done.get(name) == frozenset(module.roots):
                continue
            done[name] = frozenset(module.roots)
            for sibling, attributes in self._shake(module).items():
                other = self._module(sibling)
                if not attributes <= other.roots or sibling not in done:
                    other.roots |= attributes
                    pending.append(sibling)
        return {f"{name}.py": self._render(m) for name, m in sorted(self.modules.items())}

    def _render(self, module: _Module) -> str:
        header = (f'"""Generated from {module.path.name} for the practice tier: only the public tests '
                  f'and what they use.  Do not edit; regenerate with autograder."""\n')
        return header + ast.unparse(ast.Module(body=module.kept, type_ignores=[])) + "\n"
