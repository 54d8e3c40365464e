"""Ask the explainers about a student's error or returned value: the generic registry, then the assignment's own.

An assignment teaches the grader its own mistakes with explainer modules in its source folder, named in
grading.yml (``explainers: [hidden_tests/_explainers.py]``): each defines ``EXPLAINERS``, a list of
:class:`autograder.feedback.explain.Explainer` instances, asked after the generic ones.  Knowledge of one
exercise (its variable names, its cache layout) lives there, not here.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Iterable

from .explain import MISSING, Context, Explainer, Explanation, context_of, placeholder_positions, run_explainers  # noqa: F401
from .explainers import EXPLAINERS
from .messages import say

_LOADED: dict[tuple[str, int], list[Explainer]] = {}


class ExplainerError(Exception):
    """An assignment's explainer module cannot be loaded; ``str()`` is one line."""


def load_explainers(paths: Iterable[str | Path]) -> list[Explainer]:
    """The explainers of an assignment's modules, in the order named (each file loaded once per version)."""
    found: list[Explainer] = []
    for path in paths:
        path = Path(path)
        try:
            key = (str(path.resolve()), path.stat().st_mtime_ns)
        except OSError:
            raise ExplainerError(f"explainer module {path} not found: fix 'explainers:' in grading.yml") from None
        if key not in _LOADED:
            spec = importlib.util.spec_from_file_location(f"_assignment_explainers_{len(_LOADED)}", path)
            module = importlib.util.module_from_spec(spec)
            try:
                spec.loader.exec_module(module)
            except Exception as exc:   # an instructor's module: say which file, not a traceback
                raise ExplainerError(f"explainer module {path} failed to load: {type(exc).__name__}: {exc}") from None
            listed = getattr(module, "EXPLAINERS", None)
            if not isinstance(listed, list) or not all(isinstance(e, Explainer) for e in listed):
                raise ExplainerError(f"{path} must define EXPLAINERS, a list of Explainer instances")
            _LOADED[key] = listed
        found.extend(_LOADED[key])
    return found


def registry(extra: Iterable[Explainer] = ()) -> list[Explainer]:
    """Every explainer to ask, in order of preference: the generic ones, then the assignment's."""
    return [*EXPLAINERS, *extra]


def explain(ctx: Context, extra: Iterable[Explainer] = ()) -> list[Explanation]:
    """Explanations of the error in ``ctx`` by the generic explainers and ``extra`` (an assignment's)."""
    return run_explainers(ctx, registry(extra))


def explain_return(function: str, value, cells: list[str], names: list[str],
                   load_errors: dict[int, str] | None = None, extra: Iterable[Explainer] = ()) -> list[Explanation]:
    """Explanations for a graded function that returned a placeholder."""
    positions = placeholder_positions(value)
    if positions is None:
        return []
    return explain(Context(type_name="", message="", cells=list(cells), notebook_names=list(names),
                           function_name=function, returned=positions), extra)


def explain_error(exc, cells: list[str], names: list[str], timeout_s: float | None = None,
                  load_errors: dict[int, str] | None = None,
                  extra: Iterable[Explainer] = ()) -> list[Explanation]:
    """Explanations for a StudentException / StudentTimeout (with facts) / StudentMissing / CellError."""
    return explain(context_of(exc, cells, names, timeout_s, load_errors), extra)


def cell_error_hints(error, cells: list[str], names: list[str], lang: str, extra: Iterable[Explainer] = ()) -> str:
    """"\nHint: ..." lines for an error raised while running a notebook cell (e.g. a visible check
    that called the student's function), or "" when nothing is recognised."""
    if error is None or getattr(error, "facts", None) is None:
        return ""
    return "".join("\n" + say("hint", lang, text=e.text(lang)) for e in explain_error(error, cells, names, extra=extra))
