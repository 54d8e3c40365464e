"""Trusted expected values, computed once per suites session for equal inputs.

The hidden tests draw their inputs from the salted ``rng``, so every
submission of a batch meets the same inputs, and what the grader computes from
them alone (reference outputs, PyTorch outputs, finite-difference gradients,
the values of known mistakes for hints) is the same for every student.  A
batch worker grades many submissions in one suites session
(:mod:`autograder.engine.suites`): this module lets it compute each such value once.

* the ``ref`` fixture answers through :class:`CachedReference`, so
  ``ref.conv_forward(A, W, b, hp)`` is computed once per distinct input;
* ``@cached`` does the same for a suite's own trusted helpers (``torch_conv``...).

Only plain data keys a value: numeric numpy arrays (dtype, shape, strides and
bytes, so that even a summation order that depends on the layout is kept),
numpy scalars, Python numbers (floats by their exact bits: ``-0.0`` is not
``0.0``), strings, ``None``, and tuples, lists and dicts of those; besides
them, functions without a closure (``ref.conv_forward`` included) and
modules, by identity.  Any other
argument (a student proxy, a closure, a tensor) means "call, do not cache":
a value that depends on a student is never reused for another.  Callers get a
deep copy, so no test can alter what the next submission is compared with.
The store holds at most ``MAX_ENTRIES`` values and is emptied when the
session ends (:func:`clear`).
"""
from __future__ import annotations

import copy
import functools
import types
from collections import OrderedDict

import numpy as np

MAX_ENTRIES = 4096
MAX_KEY_BYTES = 8 << 20          # inputs larger than this are not kept as keys

_store: OrderedDict = OrderedDict()
_stats = {"hits": 0, "misses": 0, "uncacheable": 0}


class _Uncacheable(Exception):
    pass


def _key(value, budget: list[int]):
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int):
        return ("int", value)
    if isinstance(value, float):
        return ("float", value.hex())
    if isinstance(value, complex):
        return ("complex", value.real.hex(), value.imag.hex())
    if isinstance(value, (np.ndarray, np.generic)):
        array = np.asarray(value)
        if array.dtype.kind not in "biufc" or array.dtype.fields is not None:
            raise _Uncacheable
        budget[0] -= array.nbytes
        if budget[0] < 0:
            raise _Uncacheable
        return ("ndarray" if isinstance(value, np.ndarray) else "scalar", array.dtype.str, array.shape,
                array.strides, array.tobytes())
    if isinstance(value, (tuple, list)):
        return (type(value).__name__, tuple(_key(v, budget) for v in value))
    if isinstance(value, dict):
        items = tuple((_key(k, budget), _key(v, budget)) for k, v in value.items())
        return ("dict", items)           # insertion order kept: a function may iterate over it
    if isinstance(value, _ReferenceFunction):
        value = value.function
    if isinstance(value, types.FunctionType) and value.__closure__ is None:
        return ("function", value)       # held by the key, so its identity is never reused
    if isinstance(value, types.ModuleType):
        return ("module", value)
    raise _Uncacheable


def expected(function, *args, **kwargs):
    """``function(*args, **kwargs)``, computed once per session for equal plain-data arguments."""
    try:
        key = (function, _key(args, [MAX_KEY_BYTES]), _key(kwargs, [MAX_KEY_BYTES]))
    except _Uncacheable:
        _stats["uncacheable"] += 1
        return function(*args, **kwargs)
    try:
        value = _store[key]
    except KeyError:
        _stats["misses"] += 1
        value = function(*args, **kwargs)
        _store[key] = copy.deepcopy(value)
        if len(_store) > MAX_ENTRIES:
            _store.popitem(last=False)
        return value
    _stats["hits"] += 1
    _store.move_to_end(key)
    return copy.deepcopy(value)


def cached(function):
    """Decorator: :func:`expected` for every call of a suite's trusted helper."""
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        return expected(function, *args, **kwargs)
    return wrapper


class _ReferenceFunction:
    """A reference function answering through :func:`expected`; as an argument, it keys as the function."""
    __slots__ = ("function",)

    def __init__(self, function):
        self.function = function

    def __call__(self, *args, **kwargs):
        return expected(self.function, *args, **kwargs)


class CachedReference:
    """The ``ref`` fixture's view of the reference: its functions answer through :func:`expected`."""

    def __init__(self, reference):
        self._reference = reference

    def __getattr__(self, name):
        value = getattr(self._reference, name)
        if not callable(value) or isinstance(value, type):
            return value
        return _ReferenceFunction(value)


def stats() -> dict[str, int]:
    return dict(_stats, entries=len(_store))


def clear() -> None:
    """End of a suites session: forget every value (the next session may grade another assignment)."""
    _store.clear()
    for name in _stats:
        _stats[name] = 0
