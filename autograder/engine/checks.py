"""Trusted assertion library of the hidden test suites.

Every check a hidden test makes goes through this module.  A failed check
raises :class:`CheckFailure`, an ``AssertionError`` carrying a message in
English and in Korean that says what was checked, on which input, what was
expected and what came back, plus the hints that recognise the student's
value.  The grading engine shows students *only* these messages (or the
engine's own message when the student's code raised or hung); a bare
``assert`` in a hidden test is reported as "a hidden check failed", so hidden
tests should not use it.

The values checked here come from an untrusted worker through
``autograder.sandbox.inside.codec``: numpy arrays, numpy scalars, Python scalars and
containers, or :class:`autograder.sandbox.inside.codec.Unsupported` for anything else.
Nothing here calls a method of a student value other than those of these
exact built-in types, and every failure path copes with any of them.

Conventions
-----------
* ``what`` names the checked value for the student: a string, or an
  ``(en, ko)`` pair, e.g. ``("Z returned by conv_forward", "conv_forward가 반환한 Z")``.
* ``inputs`` is a mapping name -> value of the arguments of the call; it is
  shown with :func:`describe_inputs` (small arrays in full, large ones
  summarised by shape, dtype, min, max, mean).
* ``tol`` is the ``tol`` fixture (``tol.float64.rtol`` ...).  The float32
  tolerance is used when either side is float32 (or float16).
* ``hints`` is a sequence of :class:`Hint`; on failure every hint whose
  predicate accepts the student's value adds its text.
* What counts as a scalar (``expect_scalar``): a Python ``int``/``float``, a
  numpy integer or floating scalar, or a 0-d numpy array of such a dtype.
  ``bool``, complex numbers and arrays with ``ndim >= 1`` (even of size 1,
  such as a ``(1, 1, 1)`` array) are not scalars.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, NoReturn, Sequence

import numpy as np

from ..sandbox.inside.codec import Unsupported
from ..feedback.diagnose import diagnose, diagnose_mutation, diagnose_shape_only
from ..feedback.describe import (FULL_ARRAY_SIZE, FULL_ARRAY_SIZE_ND, MAX_INPUT_BLOCK, array_block, short_number,
                       describe, describe_inputs, format_value)
from ..feedback.messages import Bi, Text, bi, both, pick, say

__all__ = [
    "CheckFailure", "Hint", "fail", "check", "describe", "describe_inputs", "format_value",
    "expect_type", "expect_array", "expect_shape", "expect_dtype_floating", "expect_close",
    "expect_equal", "expect_scalar", "expect_int", "expect_tuple", "expect_unchanged",
    "is_scalar", "as_float_array", "DEFAULT_TOL",
]

MAX_MESSAGE = 1900          # the runner keeps 2000 characters per test


# --------------------------------------------------------------------------- failure
class CheckFailure(AssertionError):
    """A failed check with its student-facing message in English and Korean."""
    diagnosis: tuple = ()       # generic explanations of the wrong value (autograder.diagnose), for the engine

    def __init__(self, en: str, ko: str | None = None):
        self.en = _cap(str(en))
        self.ko = _cap(str(ko if ko is not None else en))
        super().__init__(self.en)

    def text(self, lang: str = "en") -> str:
        return self.ko if lang == "ko" else self.en

    def __str__(self) -> str:
        return self.en


def _cap(text: str, limit: int = MAX_MESSAGE) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass(frozen=True)
class Hint:
    """Text added to a failure message when ``matches(student_value)`` is true.

    The predicate gets the student's value as decoded (possibly ``None`` or
    ``Unsupported``); an exception inside it counts as "does not match".
    """
    matches: Callable[[Any], bool]
    en: str
    ko: str

    def applies(self, got: Any) -> bool:
        try:
            return bool(self.matches(got))
        except Exception:
            return False

    @classmethod
    def close_to(cls, value, en: str, ko: str, *, rtol: float = 1e-4, atol: float = 1e-6) -> "Hint":
        """Matches a numeric value of the same shape close to ``value``."""
        target = np.asarray(value, dtype=np.float64)

        def matches(got):
            arr = as_float_array(got)
            if arr is None:
                return False
            if arr.shape != target.shape:
                if arr.size == 1 and target.size == 1:
                    arr = arr.reshape(target.shape)
                else:
                    return False
            return bool(np.allclose(arr, target, rtol=rtol, atol=atol))
        return cls(matches, en, ko)

    @classmethod
    def shape(cls, shape, en: str, ko: str) -> "Hint":
        """Matches a numpy array of exactly this shape."""
        shape = tuple(int(s) for s in shape)
        return cls(lambda got: type(got) is np.ndarray and got.shape == shape, en, ko)


def _hint_lines(got, hints: Iterable[Hint], lang: str) -> list[str]:
    lines, seen = [], set()
    for h in hints or ():
        if h.applies(got):
            text = h.ko if lang == "ko" else h.en
            if text not in seen:
                seen.add(text)
                lines.append(say("hint", lang, text=text))
    return lines


def _raise(header: Bi, details: Sequence[Bi] = (), *, inputs=None, got=None,
           hints: Iterable[Hint] = (), diagnosis: Callable[[], list] | None = None) -> NoReturn:
    """Assemble and raise the message: header, details, inputs, hints.

    Hints are never cut; when the message is too long the details and the
    input block are shortened first.
    """
    hints = list(hints or ())
    texts = {}
    for lang in ("en", "ko"):
        head = pick(header, lang)
        hint_text = "\n".join(_hint_lines(got, hints, lang))
        budget = max(200, MAX_MESSAGE - len(head) - len(hint_text) - 4)
        body = "\n".join(pick(d, lang) for d in details if d)
        block = describe_inputs(inputs, lang) if inputs else ""
        if len(body) + len(block) + 1 > budget:
            body_budget = max(budget - min(len(block), MAX_INPUT_BLOCK), budget // 2)
            body = _cap(body, body_budget)
            block = _cap(block, max(0, budget - len(body) - 1)) if budget - len(body) > 40 else ""
        texts[lang] = "\n".join(part for part in (head, body, block, hint_text) if part)
    failure = CheckFailure(texts["en"], texts["ko"])
    if diagnosis is not None and not any(h.applies(got) for h in hints):   # the test's own hints come first
        failure.diagnosis = tuple(diagnosis())
    raise failure


def fail(en: str, ko: str, *, inputs: Mapping[str, Any] | None = None, got: Any = None,
         hints: Iterable[Hint] = (), expected: Any = None) -> NoReturn:
    """Fail the test with a custom bilingual message (plus inputs and hints).  With ``expected``
    (and ``got``) the engine may add a generic diagnosis of the difference."""
    _raise(Bi(en, ko), inputs=inputs, got=got, hints=hints,
           diagnosis=None if expected is None else (lambda: diagnose(got, expected, inputs)))


def check(condition: bool, en: str, ko: str, *, inputs: Mapping[str, Any] | None = None,
          got: Any = None, hints: Iterable[Hint] = ()) -> None:
    """``fail(en, ko, ...)`` unless ``condition``."""
    if not condition:
        fail(en, ko, inputs=inputs, got=got, hints=hints)


# --------------------------------------------------------------------------- helpers
def is_scalar(v: Any) -> bool:
    """True for a real scalar: Python int/float, numpy integer/floating, 0-d array of those."""
    if type(v) in (int, float):
        return True
    if isinstance(v, (np.integer, np.floating)):
        return True
    return type(v) is np.ndarray and v.ndim == 0 and v.dtype.kind in "iuf"


def as_float_array(v: Any) -> np.ndarray | None:
    """``v`` as a float64 array if it is a real number or a real/bool numpy array, else None."""
    if type(v) is np.ndarray:
        return v.astype(np.float64) if v.dtype.kind in "biuf" else None
    if type(v) in (int, float) or isinstance(v, (np.integer, np.floating, np.bool_)):
        return np.asarray(float(v))
    return None


DEFAULT_TOL = {"float64": (1e-6, 1e-8), "float32": (1e-4, 1e-5)}


def _tolerance(tol, use32: bool) -> tuple[float, float, str]:
    kind = "float32" if use32 else "float64"
    if tol is None:
        rtol, atol = DEFAULT_TOL[kind]
        return rtol, atol, kind
    entry = tol.get(kind) if isinstance(tol, Mapping) else getattr(tol, kind)
    if isinstance(entry, Mapping):
        return float(entry["rtol"]), float(entry["atol"]), kind
    if isinstance(entry, tuple):
        return float(entry[0]), float(entry[1]), kind
    return float(entry.rtol), float(entry.atol), kind


def _is32(dtype) -> bool:
    return dtype is not None and np.dtype(dtype) in (np.dtype(np.float32), np.dtype(np.float16))


def _what_of(what: Text) -> Bi:
    return bi(what)


# --------------------------------------------------------------------------- checks
def expect_type(got: Any, types: tuple, *, what: Text, expected: Text | None = None,
                inputs: Mapping[str, Any] | None = None, hints: Iterable[Hint] = ()) -> Any:
    """Check ``type(got)`` is one of ``types`` (exact types; numpy arrays must be plain ndarrays).

    ``expected`` describes the expected kind for the student, e.g. "a numpy array".
    """
    if not isinstance(types, tuple):
        types = (types,)
    ok = any(type(got) is t or (t not in (np.ndarray, int, float) and isinstance(got, t))
             for t in types)
    if isinstance(got, Unsupported) or (isinstance(got, bool) and bool not in types):
        ok = False
    if not ok:
        if expected is None:
            if types == (np.ndarray,):
                expected = both("k_array")
            else:
                expected = both("k_any", types=" / ".join(t.__name__ for t in types))
        w = _what_of(what)
        _raise(both("wrong_type", what=w),
               [Bi(say("expected_type", "en", expected=bi(expected).en, got=describe(got, "en")),
                   say("expected_type", "ko", expected=bi(expected).ko, got=describe(got, "ko")))],
               inputs=inputs, got=got, hints=hints)
    return got


def expect_array(got: Any, *, what: Text, inputs: Mapping[str, Any] | None = None,
                 hints: Iterable[Hint] = ()) -> np.ndarray:
    """Check that ``got`` is a plain numpy array of a real (or bool) dtype."""
    expect_type(got, (np.ndarray,), what=what, inputs=inputs, hints=hints)
    if got.dtype.kind not in "biuf":
        w = _what_of(what)
        _raise(both("wrong_dtype", what=w),
               [both("expected_floating", dtype=str(got.dtype))], inputs=inputs, got=got, hints=hints)
    return got


def expect_shape(got: Any, shape, *, what: Text, inputs: Mapping[str, Any] | None = None,
                 hints: Iterable[Hint] = ()) -> np.ndarray:
    """Check ``got`` is a numpy array of exactly ``shape``."""
    expect_array(got, what=what, inputs=inputs, hints=hints)
    shape = tuple(int(s) for s in shape)
    if tuple(got.shape) != shape:
        _raise(both("wrong_shape", what=_what_of(what)),
               [both("expected_shape", expected=shape, got=tuple(got.shape))],
               inputs=inputs, got=got, hints=hints, diagnosis=lambda: diagnose_shape_only(got.shape, shape, inputs))
    return got


def expect_dtype_floating(got: Any, *, what: Text, inputs: Mapping[str, Any] | None = None,
                          hints: Iterable[Hint] = ()) -> np.ndarray:
    """Check ``got`` is a numpy array of a floating dtype (float16/32/64)."""
    expect_type(got, (np.ndarray,), what=what, inputs=inputs, hints=hints)
    if got.dtype.kind != "f":
        _raise(both("wrong_dtype", what=_what_of(what)),
               [both("expected_floating", dtype=str(got.dtype))], inputs=inputs, got=got, hints=hints)
    return got


def expect_close(got: Any, expected: Any, *, what: Text, inputs: Mapping[str, Any] | None = None,
                 tol: Any = None, hints: Iterable[Hint] = (), float32: bool | None = None,
                 single_as_scalar: bool = False) -> Any:
    """Compare numbers/arrays elementwise within tolerance.

    ``expected`` is a number or an array.  For an array, ``got`` must be a
    numpy array of the same shape (no broadcasting).  For a number, ``got``
    must be a scalar (see module docstring); with ``single_as_scalar`` a
    numpy array with exactly one element is compared too (its *form* is then
    someone else's check).  The float32 tolerance applies when ``float32`` is
    true, or when it is ``None`` and either side has dtype float32/float16.
    Bool arrays are compared as 0/1.  NaN never matches.
    """
    w = _what_of(what)
    exp = np.asarray(expected)
    scalar_expected = exp.ndim == 0
    if scalar_expected:
        ok_form = is_scalar(got) or (single_as_scalar and type(got) is np.ndarray and got.size == 1
                                     and got.dtype.kind in "biuf")
        if not ok_form:
            _raise(both("wrong_type", what=w),
                   [Bi(say("expected_type", "en", expected=say("k_scalar", "en"), got=describe(got, "en")),
                       say("expected_type", "ko", expected=say("k_scalar", "ko"), got=describe(got, "ko")))],
                   inputs=inputs, got=got, hints=hints)
        got_dtype = got.dtype if isinstance(got, (np.ndarray, np.generic)) else None
        g = float(np.asarray(got, dtype=np.float64).reshape(()))
        e = float(exp.astype(np.float64))
        use32 = float32 if float32 is not None else (_is32(got_dtype) or _is32(exp.dtype))
        rtol, atol, kind = _tolerance(tol, use32)
        if not (abs(g - e) <= atol + rtol * abs(e)) or math.isnan(g):
            err = abs(g - e)
            _raise(both("wrong_value", what=w),
                   [both("scalar_wrong", expected=short_number(e), got=short_number(g), err=short_number(err),
                         allowed=atol + rtol * abs(e))],
                   inputs=inputs, got=got, hints=hints, diagnosis=lambda: diagnose(got, e, inputs))
        return got

    expect_array(got, what=w, inputs=inputs, hints=hints)
    if tuple(got.shape) != tuple(exp.shape):
        _raise(both("wrong_shape", what=w),
               [both("expected_shape", expected=tuple(exp.shape), got=tuple(got.shape))],
               inputs=inputs, got=got, hints=hints, diagnosis=lambda: diagnose(got, exp, inputs))
    use32 = float32 if float32 is not None else (_is32(got.dtype) or _is32(exp.dtype))
    rtol, atol, kind = _tolerance(tol, use32)
    g = got.astype(np.float64)
    e = exp.astype(np.float64)
    with np.errstate(all="ignore"):
        diff = np.abs(g - e)
        ok = diff <= atol + rtol * np.abs(e)
        ok |= (g == e)                               # equal infinities
    ok &= ~np.isnan(g)
    if ok.all():
        return got
    details: list[Bi] = []
    bad = np.argwhere(~ok)
    first = tuple(int(i) for i in bad[0])
    if exp.size <= (FULL_ARRAY_SIZE if exp.ndim <= 2 else FULL_ARRAY_SIZE_ND):
        details.append(Bi(array_block("expected", exp, "en"), array_block("expected", exp, "ko")))
        details.append(Bi(array_block("got", got, "en"), array_block("got", got, "ko")))
    details.append(both("first_wrong", index=first, expected=short_number(e[first]), got=short_number(g[first])))
    nan_count = int(np.isnan(g).sum())
    if nan_count:
        nan_at = tuple(int(i) for i in np.argwhere(np.isnan(g))[0])
        details.append(both("has_nan", count=nan_count, index=nan_at))
    finite = diff[~ok & np.isfinite(diff)]
    err = short_number(finite.max()) if finite.size else "nan"
    if atol == 0 and rtol == 0:
        details.append(both("n_wrong_exact", bad=len(bad), total=exp.size, err=err))
    else:
        details.append(both("n_wrong", bad=len(bad), total=exp.size, err=err, atol=atol, rtol=rtol, kind=kind))
    _raise(both("wrong_values", what=w), details, inputs=inputs, got=got, hints=hints,
           diagnosis=lambda: diagnose(got, exp, inputs))


def _equal(got, exp) -> bool:
    """Exact structural equality, safe on any decoded student value."""
    if isinstance(got, Unsupported) or isinstance(exp, Unsupported):
        return False
    if type(exp) is np.ndarray or type(got) is np.ndarray:
        if type(exp) is not np.ndarray or type(got) is not np.ndarray:
            return False
        if got.shape != exp.shape or got.dtype.kind not in "biuf" or exp.dtype.kind not in "biuf":
            return False
        return bool(np.array_equal(got, exp, equal_nan=True))
    if type(exp) in (tuple, list):
        return type(got) is type(exp) and len(got) == len(exp) and all(_equal(a, b) for a, b in zip(got, exp))
    if type(exp) is dict:
        return (type(got) is dict and set(got) == set(exp)
                and all(_equal(got[k], exp[k]) for k in exp))
    if isinstance(exp, (bool, np.bool_)):
        return isinstance(got, (bool, np.bool_)) and bool(got) == bool(exp)
    if isinstance(exp, (int, float, np.integer, np.floating)):
        if not isinstance(got, (int, float, np.integer, np.floating)) or isinstance(got, bool):
            return False
        if isinstance(exp, (float, np.floating)) and isinstance(got, (float, np.floating)) \
                and math.isnan(float(exp)) and math.isnan(float(got)):
            return True
        return bool(got == exp)
    if exp is None:
        return got is None
    if type(exp) is str:
        return type(got) is str and got == exp
    return False


def expect_equal(got: Any, expected: Any, *, what: Text, inputs: Mapping[str, Any] | None = None,
                 hints: Iterable[Hint] = ()) -> Any:
    """Exact equality (ints, tuples, dicts, arrays of equal shape and values).

    Containers must have the same type (a list does not equal a tuple); numbers
    compare by value whatever their Python/numpy type (``np.int64(3) == 3``).
    """
    if not _equal(got, expected):
        w = _what_of(what)
        _raise(both("wrong_value", what=w),
               [Bi(say("equal_mismatch", "en", expected=format_value(expected, "en"), got=format_value(got, "en")),
                   say("equal_mismatch", "ko", expected=format_value(expected, "ko"), got=format_value(got, "ko")))],
               inputs=inputs, got=got, hints=hints, diagnosis=lambda: diagnose(got, expected, inputs))
    return got


def expect_scalar(got: Any, *, what: Text, inputs: Mapping[str, Any] | None = None,
                  hints: Iterable[Hint] = ()) -> float:
    """Check ``got`` is a real scalar (see module docstring) and return it as a float."""
    if not is_scalar(got):
        _raise(both("not_scalar", what=_what_of(what)),
               [Bi(say("expected_type", "en", expected=say("k_scalar", "en"), got=describe(got, "en")),
                   say("expected_type", "ko", expected=say("k_scalar", "ko"), got=describe(got, "ko")))],
               inputs=inputs, got=got, hints=hints)
    return float(np.asarray(got).reshape(()))


def expect_int(got: Any, *, what: Text, inputs: Mapping[str, Any] | None = None,
               hints: Iterable[Hint] = ()) -> int:
    """Check ``got`` is a Python int or numpy integer scalar (not bool, not float)."""
    if not ((type(got) is int) or isinstance(got, np.integer)):
        _raise(both("not_int", what=_what_of(what)),
               [Bi(say("expected_type", "en", expected=say("k_int", "en"), got=describe(got, "en")),
                   say("expected_type", "ko", expected=say("k_int", "ko"), got=describe(got, "ko")))],
               inputs=inputs, got=got, hints=hints)
    return int(got)


def expect_tuple(got: Any, n: int, *, what: Text, names: str = "", allow_list: bool = True,
                 inputs: Mapping[str, Any] | None = None, hints: Iterable[Hint] = ()) -> tuple:
    """Check ``got`` is a tuple (or, if allowed, a list) of ``n`` values; return it as a tuple."""
    kinds = (tuple, list) if allow_list else (tuple,)
    if type(got) not in kinds or len(got) != n:
        got_text = Bi(describe(got, "en"), describe(got, "ko"))
        _raise(both("wrong_count", what=_what_of(what), n=n, names=names, got=got_text),
               inputs=inputs, got=got, hints=hints)
    return tuple(got)


def _numeric(value: Any) -> bool:
    return (isinstance(value, (int, float, np.number, np.ndarray)) and not isinstance(value, (bool, np.bool_))) \
        or (isinstance(value, (tuple, list)) and any(_numeric(v) for v in value[:4]))


def expect_computed(got: Any, *, func: str, inputs: Mapping[str, Any] | None = None) -> None:
    """Property tests ("does not modify its inputs") credit only a function that computed something:
    a number, an array, or a tuple holding one.  None, a string or a stand-in object earns nothing
    there, while a wrong value or shape still passes (the value tests judge those)."""
    if _numeric(got):
        return
    fail(f"{func} returned {describe(got, 'en')}: it must compute and return its result (numbers or arrays), "
         "so leaving the inputs alone earns nothing yet.",
         f"{func}이(가) {describe(got, 'ko')}을(를) 반환했습니다: 결과(숫자나 배열)를 계산해 반환해야 하므로 "
         "입력을 바꾸지 않은 것만으로는 아직 점수가 없습니다.", inputs=inputs, got=got)


def expect_unchanged(before: Any, after: Any, name: str, *, func: str = "your function",
                     inputs: Mapping[str, Any] | None = None) -> None:
    """Check an argument has the same value after the call as before (exact)."""
    if _equal(after, before):
        return
    details: list[Bi] = []
    if (type(before) is np.ndarray and type(after) is np.ndarray and before.shape == after.shape
            and after.dtype.kind in "biuf"):
        with np.errstate(all="ignore"):
            changed = np.argwhere(~((before == after) | (np.isnan(before.astype(float)) & np.isnan(after.astype(float)))))
        if len(changed):
            idx = tuple(int(i) for i in changed[0])
            details.append(both("changed_at", index=idx, before=short_number(before[idx]), after=short_number(after[idx])))
    if not details:
        details.append(Bi(say("changed_value", "en", before=format_value(before, "en"), after=format_value(after, "en")),
                          say("changed_value", "ko", before=format_value(before, "ko"), after=format_value(after, "ko"))))
    _raise(both("modified", func=func, name=name), details, inputs=inputs, got=after,
           diagnosis=lambda: diagnose_mutation(before, after, name, inputs))
