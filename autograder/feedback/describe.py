"""How student values and inputs are shown in feedback (used by autograder.engine.checks).

Small arrays are shown in full, large ones summarised (shape, dtype, min, max,
mean); anything the codec could not decode is named by its type.  Only the
exact built-in types that come out of ``autograder.sandbox.inside.codec`` are inspected, so a
hostile value cannot run code here.
"""
from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np

from ..sandbox.inside.codec import Unsupported
from .messages import say

MAX_INPUT_BLOCK = 900       # characters of the "Input:" block
MAX_VALUE_CHARS = 300       # one formatted value
FULL_ARRAY_SIZE = 30        # arrays up to this many elements are shown in full
FULL_ARRAY_SIZE_ND = 12     # ... if they have more than two dimensions


def short_number(x) -> str:
    """A number, short: 6 significant digits for floats."""
    try:
        if isinstance(x, (bool, np.bool_)):
            return str(bool(x))
        if isinstance(x, (int, np.integer)):
            return str(int(x))
        xf = float(x)
        if math.isnan(xf) or math.isinf(xf):
            return str(xf)
        text = f"{xf:.6g}"
        if not any(ch in text for ch in ".e"):
            text += ".0"          # keep a float recognisable as a float: 5.0, not 5
        return text
    except Exception:
        return "?"


def _truncate(text: str, limit: int = MAX_VALUE_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 5] + " ...]"


def _array_text(arr: np.ndarray) -> str:
    try:
        text = np.array2string(arr, precision=6, separator=", ", threshold=FULL_ARRAY_SIZE,
                               max_line_width=100, suppress_small=False)
    except Exception:
        text = "<array>"
    return _truncate(text)


def array_block(key: str, arr: np.ndarray, lang: str) -> str:
    """"Expected: <kind>" followed by the small array, indented, without blank lines."""
    head = say(key, lang, value=say("d_array", lang, shape=tuple(arr.shape), dtype=str(arr.dtype)))
    if arr.ndim <= 1:
        return f"{head} {_array_text(arr)}"
    if arr.size > FULL_ARRAY_SIZE_ND:
        return head
    body = [line for line in _array_text(arr).splitlines() if line.strip()]
    return "\n".join([head + ":"] + ["    " + line for line in body])


def _summary(arr: np.ndarray, lang: str) -> str:
    shape, dtype = tuple(arr.shape), str(arr.dtype)
    if arr.size == 0:
        return say("d_empty", lang, shape=shape, dtype=dtype)
    if arr.dtype.kind not in "biuf":
        return say("d_array", lang, shape=shape, dtype=dtype)
    a = arr.astype(np.float64)
    with np.errstate(all="ignore"):
        return say("d_summary", lang, shape=shape, dtype=dtype, min=short_number(np.nanmin(a)) if not np.isnan(a).all() else "nan",
                   max=short_number(np.nanmax(a)) if not np.isnan(a).all() else "nan", mean=short_number(np.mean(a)))


def format_value(v: Any, lang: str = "en") -> str:
    """A student or expected value as shown in messages (truncated)."""
    if v is None:
        return say("d_none", lang)
    if isinstance(v, Unsupported):
        return say("d_unsupported", lang, type=v.type_name)
    if type(v) is np.ndarray:
        if v.size <= (FULL_ARRAY_SIZE if v.ndim <= 2 else FULL_ARRAY_SIZE_ND):
            return _truncate(f"{_array_text(v)}  ({say('d_array', lang, shape=tuple(v.shape), dtype=str(v.dtype))})")
        return _summary(v, lang)
    if type(v) in (bool, int, float):
        return short_number(v)
    if type(v) is str:
        return _truncate(repr(v), 120)
    if isinstance(v, (np.number, np.bool_)):
        return f"{short_number(v)} ({_type_label(v)})"
    if type(v) in (tuple, list, dict):
        try:
            return _truncate(repr(_plain(v)))
        except Exception:
            return describe(v, lang)
    return describe(v, lang)


def _plain(v):
    """repr-friendly copy of a container (arrays summarised)."""
    if type(v) is np.ndarray:
        return _Raw(_array_text(v) if v.size <= 8 else f"<array {tuple(v.shape)} {v.dtype}>")
    if isinstance(v, Unsupported):
        return _Raw(f"<{v.type_name}>")
    if type(v) is tuple:
        return tuple(_plain(x) for x in v)
    if type(v) is list:
        return [_plain(x) for x in v]
    if type(v) is dict:
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, (np.number, np.bool_)):
        return _Raw(short_number(v))
    return v


class _Raw:
    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _type_label(v) -> str:
    t = type(v)
    if t.__module__ == "numpy":
        return f"numpy.{t.__name__}"
    return t.__name__


def describe(v: Any, lang: str = "en") -> str:
    """A short description of a value's kind (type, shape, dtype), no contents."""
    if v is None:
        return say("d_none", lang)
    if isinstance(v, Unsupported):
        return say("d_unsupported", lang, type=v.type_name)
    if type(v) is np.ndarray:
        return say("d_array", lang, shape=tuple(v.shape), dtype=str(v.dtype))
    if type(v) is tuple:
        return say("d_tuple", lang, n=len(v))
    if type(v) is list:
        return say("d_list", lang, n=len(v))
    if type(v) is dict:
        return say("d_dict", lang, keys=_truncate(repr(sorted(map(str, v)))[:200], 120))
    if isinstance(v, (bool, int, float, np.number, np.bool_)):
        return say("d_scalar", lang, type=_type_label(v), value=short_number(v))
    return say("d_other", lang, type=_type_label(v))


def describe_inputs(inputs: Mapping[str, Any], lang: str = "en") -> str:
    """The "Input:" block: one line per argument, small arrays in full."""
    lines = [say("input", lang)]
    for name, value in inputs.items():
        if type(value) is np.ndarray:
            if value.size <= (FULL_ARRAY_SIZE if value.ndim <= 2 else FULL_ARRAY_SIZE_ND):
                body = _array_text(value)
                head = f"  {name}: {say('d_array', lang, shape=tuple(value.shape), dtype=str(value.dtype))} ="
                lines.append(head)
                lines.extend("    " + line for line in body.splitlines() if line.strip())
            else:
                lines.append(f"  {name}: {_summary(value, lang)}")
        elif type(value) in (bool, int, float):
            lines.append(f"  {name} = {short_number(value)}")
        else:
            lines.append(f"  {name} = {format_value(value, lang)}")
    return "\n".join(lines)


