"""Static checks of a submission's source that need no execution.

``forbidden_uses`` finds graded functions that reach a forbidden module
(torch, scipy...).  It is an AST analysis of the notebook, done in the trusted
process before any student code runs: it follows module-level import aliases
(``import torch.nn.functional as F``, ``from scipy.signal import correlate2d``)
and calls between notebook functions, and flags dynamic imports inside graded
code (``__import__``, ``importlib``), which could hide a forbidden module.
"""
from __future__ import annotations

import ast
from collections.abc import Iterable

_DYNAMIC_IMPORTS = {"__import__", "importlib", "import_module", "exec", "eval"}  # bare names only


def _root(module: str) -> str:
    return module.split(".")[0]


def _parse(source: str) -> ast.Module | None:
    try:
        return ast.parse(source)
    except SyntaxError:
        return None


def _imported_names(node: ast.AST, forbidden: set[str]) -> dict[str, str]:
    """Names bound by import statements under ``node`` that refer to forbidden modules."""
    bound = {}
    for sub in ast.walk(node):
        if isinstance(sub, ast.Import):
            for alias in sub.names:
                if _root(alias.name) in forbidden:
                    bound[(alias.asname or alias.name).split(".")[0]] = _root(alias.name)
        elif isinstance(sub, ast.ImportFrom) and sub.module and sub.level == 0:
            if _root(sub.module) in forbidden:
                for alias in sub.names:
                    bound[alias.asname or alias.name] = _root(sub.module)
    return bound


def _names_used(func: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(func) if isinstance(n, ast.Name)}


def _attributes_used(func: ast.AST) -> set[str]:
    return {n.attr for n in ast.walk(func) if isinstance(n, ast.Attribute)}


def forbidden_uses(sources: Iterable[str], graded: Iterable[str], forbidden: Iterable[str]) -> dict[str, str]:
    """Map each graded function name that uses a forbidden module to a short reason.

    The last definition of a function wins, as it would when the notebook runs.
    """
    forbidden = set(forbidden)
    if not forbidden:
        return {}
    module_aliases: dict[str, str] = {}
    functions: dict[str, ast.AST] = {}
    for source in sources:
        tree = _parse(source)
        if tree is None:
            continue
        for stmt in tree.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                functions[stmt.name] = stmt
            elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
                module_aliases.update(_imported_names(stmt, forbidden))
            else:
                # imports nested in if/try/with blocks at module level
                for sub in ast.walk(stmt):
                    if isinstance(sub, (ast.Import, ast.ImportFrom)):
                        module_aliases.update(_imported_names(sub, forbidden))

    def direct_reason(func: ast.AST) -> str | None:
        local = _imported_names(func, forbidden)
        if local:
            return f"imports {sorted(set(local.values()))[0]}"
        used = _names_used(func)
        for name in sorted(used & set(module_aliases)):
            return f"uses {module_aliases[name]} (as '{name}')"
        dynamic = (used & _DYNAMIC_IMPORTS) | (_attributes_used(func) & {"import_module"})
        if dynamic:
            return f"imports modules dynamically ({sorted(dynamic)[0]})"
        return None

    findings: dict[str, str] = {}
    for name in graded:
        seen, stack = set(), [name]
        while stack:
            current = stack.pop()
            if current in seen or current not in functions:
                continue
            seen.add(current)
            reason = direct_reason(functions[current])
            if reason:
                findings[name] = reason if current == name else f"calls {current}(), which {reason}"
                break
            stack.extend(sorted(_names_used(functions[current]) & set(functions)))
    return findings
