"""Worker side: plain-data facts about where student code raised an exception.

Copied next to ``worker.py`` into the sandbox (like ``codec.py``), so it may
import only the standard library and numpy.  It describes the innermost frame
of a notebook cell in the traceback: the cell, the line, the function, and the
*kind* of every local variable (None, a number, a short tuple of numbers, an
array's shape and dtype...).  Never contents of arrays, never objects: the
grader turns these facts into an explanation of the error in the student's
terms (see ``autograder.feedback.explain``), after validating them itself.

Only exact built-in types are inspected (``type(v) is ...``): a hostile object
cannot run code here through ``__len__``, ``__repr__`` or properties.
"""
from __future__ import annotations

import traceback

import numpy as np

MAX_LOCALS = 60
MAX_NAME = 60
MAX_SEQ = 8                 # tuples/lists of up to this many numbers are sent by value
MAX_STR = 60
MAX_FRAMES = 12
MAX_CHAIN = 5               # __cause__/__context__ links followed to the root cause
_NUMBERS = (int, float, bool)


def cell_frames(tb):
    """[(cell, line, function, frame)] of the traceback frames that run notebook cells."""
    frames = []
    for frame, lineno in traceback.walk_tb(tb):
        name = frame.f_code.co_filename
        if name.startswith("<cell-") and name.endswith(">") and name[6:-1].isdigit():
            frames.append((int(name[6:-1]), lineno, frame.f_code.co_name, frame))
    return frames


def _type_name(value) -> str:
    try:
        t = type(value)
        return f"{t.__module__}.{t.__qualname__}"[:100] if t.__module__ not in ("builtins",) else t.__qualname__[:100]
    except Exception:  # a hostile metaclass
        return "?"


def _number(value):
    if type(value) is float and value != value:   # NaN is not JSON
        return "nan"
    if type(value) is float and value in (float("inf"), float("-inf")):
        return str(value)
    if type(value) is int and value.bit_length() > 60:
        return None
    return value


def variable(value) -> dict:
    """The kind of one local variable, as plain data."""
    t = type(value)
    if value is None:
        return {"kind": "none"}
    if value is Ellipsis:
        return {"kind": "ellipsis"}
    if t in _NUMBERS:
        return {"kind": t.__name__, "value": _number(value)}
    if t is str:
        return {"kind": "str", "value": value[:MAX_STR]}
    if t is np.ndarray:
        info = {"kind": "array", "shape": [int(s) for s in value.shape], "dtype": str(value.dtype)[:30]}
        if value.size == 1 and value.dtype.kind in "biuf":
            info["value"] = _number(value.reshape(-1)[0].item())
        return info
    if isinstance(value, np.generic) and t.__module__ == "numpy":
        item = value.item()
        return {"kind": "scalar", "dtype": str(value.dtype)[:30],
                "value": _number(item) if type(item) in _NUMBERS else None}
    if t in (tuple, list):
        info = {"kind": t.__name__, "length": len(value)}
        if len(value) <= MAX_SEQ and all(type(x) in _NUMBERS for x in value):
            info["items"] = [_number(x) for x in value]
        return info
    if t is dict:
        keys = [k[:MAX_NAME] for k in list(value)[:20] if type(k) is str]
        return {"kind": "dict", "keys": keys}
    if t is type(variable):
        return {"kind": "function", "value": getattr(value, "__name__", "?")[:MAX_NAME] if type(
            getattr(value, "__name__", None)) is str else "?"}
    return {"kind": "other", "type": _type_name(value)}


def _locals(frame) -> dict:
    out = {}
    try:
        items = list(frame.f_locals.items())
    except Exception:
        return out
    for name, value in items[:MAX_LOCALS]:
        if type(name) is str and not name.startswith("__"):
            try:
                out[name[:MAX_NAME]] = variable(value)
            except Exception:
                out[name[:MAX_NAME]] = {"kind": "other", "type": "?"}
    return out


def _root_with_cell_frames(exc: BaseException) -> BaseException:
    """The deepest cause of ``exc`` that was raised in notebook code (e.g. the student's
    error behind the AssertionError of a visible check), else ``exc`` itself."""
    best, seen = exc, 0
    link = exc
    while seen < MAX_CHAIN:
        link = link.__cause__ or link.__context__
        if link is None:
            break
        seen += 1
        if cell_frames(link.__traceback__):
            best = link
    return best


def _safe_message(exc: BaseException, cap: int) -> str:
    try:
        return str(exc)[:cap]
    except BaseException:
        return ""


def facts(exc: BaseException) -> dict | None:
    """Facts about the innermost notebook frame of the student's error, or None."""
    root = _root_with_cell_frames(exc)
    frames = cell_frames(root.__traceback__)
    if not frames:
        return None
    cell, line, function, frame = frames[-1]
    out = {"cell": cell, "line": line, "function": function[:MAX_NAME],
           "frames": [[c, ln, fn[:MAX_NAME]] for c, ln, fn, _ in frames[-MAX_FRAMES:]],
           "depth": len(frames), "locals": _locals(frame)}
    if root is not exc:
        out["type"] = type(root).__name__[:100]
        out["message"] = _safe_message(root, 500)
    return out
