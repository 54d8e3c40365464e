"""Explain an exception raised by a student function, in the student's terms.

A small registry in the style of pytest plugins / nbgrader preprocessors: each
*explainer* does one job, recognising one kind of mistake from what the exception
and the student's own code show (the failing line, the function's source, the
kinds and shapes of its local variables), and returns a short bilingual
:class:`Explanation`, or None.  :func:`run_explainers` runs a list of them;
specific explainers win over the generic *fallback* ones.  This module is the
base every explainer builds on, and never imports one: the generic registry is
``autograder.feedback.explainers``, an assignment's own explainers live in its
``source/<name>/`` folder (``explainers:`` in grading.yml), and
``autograder.feedback.hints`` asks both.

Inputs are the student's notebook cells (as the worker ran them) and the
validated :class:`autograder.sandbox.facts.Facts`; never hidden test code.
"""
from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass, field
from functools import cached_property
from typing import Iterable

from ..sandbox.facts import Facts, Var
from .messages import say

MAX_EXPLANATIONS = 2


@dataclass(frozen=True)
class Explanation:
    id: str          # stable name of the recognised mistake (results JSON, corpus headers)
    en: str
    ko: str

    def text(self, lang: str) -> str:
        return self.ko if lang == "ko" else self.en


@dataclass
class Context:
    """Everything an explainer may look at."""
    type_name: str
    message: str
    facts: Facts | None = None
    cells: list[str] = field(default_factory=list)
    notebook_names: list[str] = field(default_factory=list)   # callables the notebook defined
    timeout_s: float | None = None                               # set when the call hit the time limit
    function_name: str | None = None     # the graded function, when there are no facts (a returned value)
    returned: tuple | None = None        # placeholder positions of a returned value: () = the value itself
    load_errors: dict[int, str] = field(default_factory=dict)   # cell index -> its error while loading

    # -- the failing place --------------------------------------------------------------
    @property
    def function(self) -> str | None:
        return self.facts.function if self.facts else self.function_name

    @property
    def line(self) -> int | None:
        return self.facts.line if self.facts else None

    @cached_property
    def cell_index(self) -> int | None:
        """The failing cell, or the last cell defining ``function_name`` at the top level."""
        if self.facts:
            return self.facts.cell if 0 <= self.facts.cell < len(self.cells) else None
        found = None
        for index, source in enumerate(self.cells):
            if re.search(rf"^(async\s+)?def\s+{re.escape(self.function_name or '?')}\s*\(", source, re.M):
                found = index
        return found

    @cached_property
    def cell_source(self) -> str:
        return self.cells[self.cell_index] if self.cell_index is not None else ""

    @cached_property
    def line_text(self) -> str:
        lines = self.cell_source.splitlines()
        if self.line and 0 < self.line <= len(lines):
            return lines[self.line - 1].strip()
        return ""

    @cached_property
    def cell_tree(self) -> ast.Module | None:
        try:
            return ast.parse(self.cell_source)
        except (SyntaxError, ValueError):
            return None

    @cached_property
    def function_node(self) -> ast.FunctionDef | None:
        """The ``def`` enclosing the failing line."""
        if self.cell_tree is None:
            return None
        best = None
        for node in ast.walk(self.cell_tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == self.function \
                    and (not self.line or node.lineno <= self.line <= (node.end_lineno or node.lineno)):
                best = node
        return best

    @cached_property
    def statement(self) -> ast.stmt | None:
        """The innermost simple statement on the failing line."""
        if self.cell_tree is None or not self.line:
            return None
        found = None
        for node in ast.walk(self.function_node or self.cell_tree):
            if isinstance(node, ast.stmt) and not hasattr(node, "body") \
                    and node.lineno <= self.line <= (node.end_lineno or node.lineno):
                found = node
        return found

    @cached_property
    def assignment(self) -> tuple[ast.AST, ast.AST] | None:
        """(target, value) when the failing line is ``target = value`` (one target) or ``target op= value``."""
        stmt = self.statement
        if isinstance(stmt, ast.AugAssign):
            return stmt.target, stmt.value
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            return stmt.targets[0], stmt.value
        return None

    # -- variables ------------------------------------------------------------------------
    def var(self, name: str) -> Var | None:
        return self.facts.locals.get(name) if self.facts else None

    def int_value(self, name: str) -> int | None:
        v = self.var(name)
        if v is not None and v.is_int and type(v.value) is int:
            return v.value
        return None

    @cached_property
    def names_in_line(self) -> list[str]:
        """Identifiers on the failing line, in order, without repeats (not attributes)."""
        names, previous = [], None
        try:
            for tok in tokenize.generate_tokens(io.StringIO(self.line_text).readline):
                if tok.type == tokenize.NAME and previous != "." and tok.string not in names:
                    names.append(tok.string)
                previous = tok.string
        except (tokenize.TokenError, IndentationError, SyntaxError):
            names = re.findall(r"(?<![.\w])[A-Za-z_]\w*", self.line_text)
        return names

    def assignments(self, name: str) -> list[ast.AST]:
        """``name = ...`` statements of the failing function (or cell), in source order."""
        scope = self.function_node or self.cell_tree
        if scope is None:
            return []
        found = []
        for node in ast.walk(scope):
            targets = node.targets if isinstance(node, ast.Assign) else (
                [node.target] if isinstance(node, (ast.AnnAssign, ast.AugAssign)) else [])
            for t in targets:
                if any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(t)):
                    found.append(node)
        return sorted(found, key=lambda n: n.lineno)

    def source_line(self, lineno: int) -> str:
        lines = self.cell_source.splitlines()
        return lines[lineno - 1].strip() if 0 < lineno <= len(lines) else ""

    @cached_property
    def shapes_in_message(self) -> list[tuple[int, ...]]:
        """Array shapes quoted in the message, e.g. ``(0,0,2)`` and ``(5,7,2)``."""
        shapes = []
        for body in re.findall(r"\(([\d,\s]*)\)", self.message):
            parts = [p for p in body.replace(" ", "").split(",") if p]
            if parts and all(p.isdigit() for p in parts):
                shapes.append(tuple(int(p) for p in parts))
        return shapes

    @cached_property
    def top_level_definitions(self) -> dict[str, int]:
        """Names defined at the top level of each notebook cell -> first cell index."""
        out: dict[str, int] = {}
        for index, source in enumerate(self.cells):
            try:
                tree = ast.parse(source)
            except (SyntaxError, ValueError):
                continue
            for node in tree.body:
                names: Iterable[str] = ()
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    names = [node.name]
                elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.For, ast.With)):
                    names = [n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)]
                elif isinstance(node, (ast.Import, ast.ImportFrom)):
                    names = [(a.asname or a.name).split(".")[0] for a in node.names]
                for name in names:
                    out.setdefault(name, index)
        return out

    def code(self, node: ast.AST | None) -> str:
        try:
            return ast.unparse(node) if node is not None else ""
        except Exception:
            return ""


class Explainer:
    """One recognisable kind of error.  Subclasses set ``id`` and implement ``explain``.

    ``fallback = True`` marks a generic explainer used only when no specific one matched.
    ``types`` (exception type names) and ``pattern`` (a regex searched in the message)
    restrict when ``explain`` is called at all.
    """
    id: str = ""
    fallback: bool = False
    types: tuple[str, ...] = ()
    pattern: str = ""

    def wants(self, ctx: Context) -> bool:
        if ctx.returned is not None:      # nothing raised: only explainers of returned values apply
            return False
        if self.types and ctx.type_name not in self.types:
            return False
        return not self.pattern or re.search(self.pattern, ctx.message) is not None

    def explain(self, ctx: Context) -> Explanation | None:
        raise NotImplementedError

    def found(self, en: str, ko: str, id: str | None = None) -> Explanation:
        return Explanation(id or self.id, en, ko)


def run_explainers(ctx: Context, explainers: Iterable[Explainer]) -> list[Explanation]:
    """Every matching explanation, specific ones first; fallbacks only when nothing specific matched."""
    specific, generic = [], []
    for explainer in explainers:
        try:
            if not explainer.wants(ctx):
                continue
            found = explainer.explain(ctx)
        except Exception:   # an explainer that trips over odd code explains nothing
            found = None
        if found is not None:
            (generic if explainer.fallback else specific).append(found)
    unique: dict[str, Explanation] = {}
    for e in specific or generic[:1]:
        unique.setdefault(e.id, e)      # the first (preferred) explainer's wording of a mistake
    return list(unique.values())[:MAX_EXPLANATIONS]


def placeholder_positions(value) -> tuple | None:
    """() if a returned value is itself None / ..., the positions of the placeholders in a returned
    tuple or list, or None when there is no placeholder."""
    from ..sandbox.inside.codec import Unsupported

    def is_placeholder(v):
        return v is None or (isinstance(v, Unsupported) and v.type_name.startswith("builtins.ellipsis"))
    if is_placeholder(value):
        return ()
    if type(value) in (tuple, list):
        found = tuple(k for k, v in enumerate(value) if is_placeholder(v))
        return found or None
    return None


#: ``type_name`` of the context of a graded function the notebook did not define.
MISSING = "FunctionMissing"


def context_of(exc, cells: list[str], names: list[str], timeout_s: float | None = None,
               load_errors: dict[int, str] | None = None) -> Context:
    """The :class:`Context` of a StudentException / StudentTimeout / StudentMissing / CellError."""
    facts = getattr(exc, "facts", None)
    if getattr(exc, "kind", "") == "missing":
        return Context(type_name=MISSING, message="", cells=list(cells), notebook_names=list(names),
                       function_name=getattr(exc, "func", None), load_errors=dict(load_errors or {}))
    type_name = (facts.type if facts and facts.type else None) or getattr(exc, "type_name", "") or ""
    message = (facts.message if facts and facts.message is not None else None)
    if message is None:
        message = str(getattr(exc, "message", "") or "")
    return Context(type_name=type_name, message=message, facts=facts, cells=list(cells),
                   notebook_names=list(names), timeout_s=timeout_s, load_errors=dict(load_errors or {}))


def with_explanations(message_en: str, message_ko: str, seen: list[str], explanations,
                      limit: int) -> tuple[str, str, list[str]]:
    """The two messages with one "Hint: ..." line per new explanation (ids in ``seen`` are skipped).

    Hints are never cut: when the message would exceed ``limit`` its end (the traceback) is shortened.
    """
    seen = list(seen)
    texts = {"en": message_en, "ko": message_ko}
    for e in explanations:
        if e.id in seen:
            continue
        seen.append(e.id)
        for lang in texts:
            hint = say("hint", lang, text=e.text(lang))
            message = texts[lang]
            if len(message) + len(hint) + 1 > limit:
                message = message[: max(0, limit - len(hint) - 5)] + " ..."
            texts[lang] = f"{message}\n{hint}" if message else hint
    return texts["en"], texts["ko"], seen
