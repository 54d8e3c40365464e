"""Grader side: validate the facts a worker sends about where student code raised.

The worker (``exc_facts.py`` in the sandbox) is untrusted: whatever it sends is
checked here field by field (types, lengths, counts) and anything malformed is
dropped.  A lying worker can at worst get itself a wrong hint; it can never
make the grader run code or hold large data.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAX_LOCALS = 60
MAX_FRAMES = 12
_KINDS = {"none", "ellipsis", "int", "float", "bool", "str", "array", "scalar", "tuple", "list",
          "dict", "function", "other"}


@dataclass(frozen=True)
class Var:
    """One local variable of the failing frame, described by kind (never by contents)."""
    kind: str
    value: Any = None                   # numbers, short strings, the single element of a size-1 array
    shape: tuple[int, ...] | None = None
    dtype: str | None = None
    length: int | None = None
    items: tuple | None = None          # a short tuple/list of numbers, by value
    keys: tuple[str, ...] | None = None
    type: str | None = None

    @property
    def is_placeholder(self) -> bool:
        return self.kind in ("none", "ellipsis")

    @property
    def is_int(self) -> bool:
        return self.kind == "int" or (self.kind == "scalar" and (self.dtype or "").startswith(("int", "uint")))

    def describe(self) -> str:
        """Short, language-neutral description: `None`, `0`, `array (5, 7, 2) float64`."""
        if self.kind == "none":
            return "None"
        if self.kind == "ellipsis":
            return "..."
        if self.kind == "array":
            return f"array {self.shape} {self.dtype}"
        if self.kind in ("int", "float", "bool", "scalar") and self.value is not None:
            return repr(self.value) if self.kind != "scalar" else f"{self.value!r} ({self.dtype})"
        if self.kind in ("tuple", "list") and self.items is not None:
            return repr(tuple(self.items) if self.kind == "tuple" else list(self.items))
        return self.type or self.kind


@dataclass(frozen=True)
class Facts:
    """Where the student's code raised: validated plain data."""
    cell: int
    line: int
    function: str
    frames: tuple[tuple[int, int, str], ...] = ()
    depth: int = 0
    locals: dict[str, Var] = field(default_factory=dict)
    type: str | None = None             # the root cause's type, when it differs from the reported one
    message: str | None = None


def _int(v, lo=0, hi=10**9):
    return v if type(v) is int and lo <= v <= hi else None


def _str(v, cap):
    return v[:cap] if type(v) is str else None


def _number(v):
    if type(v) in (int, float, bool):
        return v if not (type(v) is int and abs(v) > 2**62) else None
    return v if v in ("nan", "inf", "-inf") else None


def _var(d) -> Var | None:
    if type(d) is not dict or d.get("kind") not in _KINDS:
        return None
    kind = d["kind"]
    shape = d.get("shape")
    if shape is not None:
        if type(shape) is not list or len(shape) > 32 or not all(_int(s, 0, 2**40) is not None for s in shape):
            return None
        shape = tuple(shape)
    items = d.get("items")
    if items is not None:
        if type(items) is not list or len(items) > 8 or any(_number(x) is None for x in items):
            items = None
        else:
            items = tuple(items)
    keys = d.get("keys")
    if keys is not None:
        keys = tuple(k[:60] for k in keys[:20] if type(k) is str) if type(keys) is list else None
    value = d.get("value")
    value = _str(value, 60) if type(value) is str and kind in ("str", "function") else _number(value)
    return Var(kind=kind, value=value, shape=shape, dtype=_str(d.get("dtype"), 30),
               length=_int(d.get("length")), items=items, keys=keys, type=_str(d.get("type"), 100))


def parse_facts(d) -> Facts | None:
    """Validated :class:`Facts` from a worker's ``facts`` field, or None if absent or malformed."""
    if type(d) is not dict:
        return None
    cell, line, function = _int(d.get("cell")), _int(d.get("line"), 1), _str(d.get("function"), 60)
    if cell is None or line is None or function is None:
        return None
    frames = []
    for f in d.get("frames") or []:
        if type(f) is list and len(f) == 3 and _int(f[0]) is not None and _int(f[1], 1) is not None \
                and type(f[2]) is str:
            frames.append((f[0], f[1], f[2][:60]))
    raw_locals = d.get("locals")
    local_vars = {}
    if type(raw_locals) is dict:
        for name, info in list(raw_locals.items())[:MAX_LOCALS]:
            var = _var(info)
            if type(name) is str and name.isidentifier() and var is not None:
                local_vars[name[:60]] = var
    return Facts(cell=cell, line=line, function=function, frames=tuple(frames[-MAX_FRAMES:]),
                 depth=_int(d.get("depth")) or len(frames), locals=local_vars,
                 type=_str(d.get("type"), 100), message=_str(d.get("message"), 500))
