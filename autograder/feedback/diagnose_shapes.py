"""Generic diagnosis, part 1: the numbers a call was given and wrong shapes / sizes.

Knows no exercise: the only vocabulary is the output-size formula
``floor((n + 2p - f) / s) + 1`` whose terms are looked for among the integers
the test passed in (ints, ints inside dicts, axis lengths of arrays).  Each
finding is a ``(id, en, ko)`` triple; :mod:`autograder.diagnose` turns it into
an :class:`~autograder.explain.Explanation`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import product
from typing import Any, Mapping

import numpy as np

Finding = tuple[str, str, str]      # (id, en, ko)
MAX_NUMBER = 256                    # sizes, pads, strides of exercises are small


@dataclass(frozen=True)
class Num:
    label: str      # how the student knows it: "pad", "A_prev.shape[1]", "n_C"
    value: int
    ndim: int = 0   # for an axis length: the number of axes of its array
    size: int = 0   # ... and its number of elements


def is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def flat_inputs(inputs: Mapping[str, Any] | None) -> dict[str, Any]:
    """The inputs with tuples, lists and dicts opened one level (``cache[0]``, ``params['lr']``); ints
    inside a dict keep the bare key as their name (``pad``), the name a student writes."""
    out: dict[str, Any] = {}
    for name, v in (inputs or {}).items():
        out[str(name)] = v
        if type(v) in (tuple, list):
            for i, x in enumerate(v[:8]):
                out[f"{name}[{i}]"] = x
                if type(x) is dict:
                    out.update({str(k): y for k, y in x.items() if is_int(y)})
        elif type(v) is dict:
            for k, x in list(v.items())[:32]:
                out[str(k) if is_int(x) else f"{name}[{k!r}]"] = x
    return out


def numbers(inputs: Mapping[str, Any] | None) -> list[Num]:
    """Small non-negative integers of the inputs, every place they occur: named ints first (keys of dicts,
    int arguments), then axis lengths of arrays."""
    named_ints, axes = [], []
    for name, v in flat_inputs(inputs).items():
        if is_int(v):
            named_ints.append(Num(name, int(v)))
        elif type(v) is np.ndarray:
            axes += [Num(f"{name}.shape[{k}]", int(s), v.ndim, v.size) for k, s in enumerate(v.shape)]
    return [n for n in named_ints + axes if 0 <= n.value <= MAX_NUMBER]


def named(value: int, nums: list[Num], letter: str = "") -> str:
    """"2 (= pad)" when an input holds this number (preferably one whose name starts with ``letter``)."""
    for n in sorted(nums, key=lambda n: not n.label.lower().startswith(letter or "\0")):
        if n.value == value and not n.label.isdigit():
            return f"{value} (= {n.label})"
    return str(value)


# --------------------------------------------------------------------------- the size formula
_TERMS = {
    # id suffix: (en, ko) of the term the student's size lacks or changed
    "plus-one": ("without the final `+ 1`", "마지막 `+ 1` 없이"),
    "one-side": ("with the padding added once (`+ p`) instead of `+ 2p`: padded on one side only?",
                 "패딩을 `+ 2p`가 아니라 한 번(`+ p`)만 더해서: 한쪽에만 패딩했나요?"),
    "no-pad": ("without the `2p` term: the padding is ignored", "`2p` 항 없이: 패딩이 빠졌습니다"),
    "no-stride": ("without dividing by the stride `s`", "스트라이드 `s`로 나누지 않고"),
    "round": ("rounding the division instead of taking its floor", "나눗셈을 내림이 아니라 반올림해서"),
    "ceil": ("rounding the division up instead of taking its floor", "나눗셈을 내림이 아니라 올림해서"),
    "no-f": ("without the `- f` term", "`- f` 항 없이"),
    "pad-f": ("with `2p` and `f` taken the wrong way round", "`2p`와 `f`를 바꿔서"),
}
_KIND = {"plus-one": "shape-plus-one", "one-side": "shape-padding", "no-pad": "shape-padding",
         "no-stride": "shape-stride", "round": "shape-floor", "ceil": "shape-floor", "no-f": "shape-filter",
         "pad-f": "shape-filter"}


def _variants(n: int, p: int, f: int, s: int) -> dict[str, int]:
    q = (n + 2 * p - f) / s
    return {"plus-one": (n + 2 * p - f) // s, "one-side": (n + p - f) // s + 1, "no-pad": (n - f) // s + 1,
            "no-stride": n + 2 * p - f + 1, "round": int(math.floor(q + 0.5)) + 1, "ceil": math.ceil(q) + 1,
            "no-f": (n + 2 * p) // s + 1, "pad-f": (n + f - 2 * p) // s + 1}


_ORDER = ["no-stride", "one-side", "no-pad", "plus-one", "round", "ceil", "no-f", "pad-f"]


def _label(value: int, nums: list[Num], prefer=lambda n: 0) -> Num:
    found = sorted((n for n in nums if n.value == value), key=prefer)
    return found[0] if found else Num(str(value), value)


def _same_axis(x: Num, axis, ndim) -> bool:
    return axis is not None and x.ndim == ndim and x.label.endswith(f".shape[{axis}]")


def _hyper(x: Num) -> bool:
    """A named int that can be a pad or a stride (not an axis length, not an element of a shape tuple)."""
    return ".shape" not in x.label and "[" not in x.label and not x.label.isdigit()


def _letter(term: str):
    """Prefer an input whose name starts with the formula's letter for the term (``pad`` for p)."""
    return lambda x: not x.label.lower().startswith(term)


def _role_labels(n: int, p: int, f: int, s_: int, nums: list[Num], axis, ndim) -> tuple[int, dict]:
    """How well the inputs name the four terms (higher is better) and the labels used: n from the same
    axis of the largest input array (the data, not the filters), f named or from another array; one input
    never plays two terms."""
    biggest = max((x.size for x in nums if x.ndim == ndim), default=0)
    nl = _label(n, nums, lambda x: (not _same_axis(x, axis, ndim), x.size != biggest))
    source = nl.label.split(".shape")[0] + "."
    sl = _label(s_, nums, lambda x: (not _hyper(x), _letter("s")(x)))
    pl = _label(p, nums, lambda x: (not _hyper(x), x.label == sl.label, _letter("p")(x)))
    sl = sl if _hyper(sl) else None         # stride 1 / pad 0 that no input names: the formula's default
    pl = pl if _hyper(pl) else None
    used = {v.label for v in (sl, pl) if v is not None}
    fl = _label(f, nums, lambda x: (x.label in used, ".shape" in x.label and x.label.startswith(source),
                                    _letter("f")(x), ".shape" in x.label, not x.label.endswith(("[0]", "[1]"))))
    score = (2 + 2 * (nl.size == biggest)) * _same_axis(nl, axis, ndim)
    score += (fl.label not in used and not fl.label.startswith(source))
    score += (sl is not None) + (pl is not None) + 0.5 * (f > 1)     # terms the inputs name; 1x1 filters are rare
    score += 0.25 * sum(v is not None and v.label.lower().startswith(t) for t, v in (("p", pl), ("f", fl), ("s", sl)))
    labels = [v.label for v in (nl, pl, fl, sl) if v is not None]
    score -= 3 * (len(labels) - len(set(labels)))      # one input playing two terms
    vals = {"n": nl, "p": pl if p else None, "f": fl, "s": sl if s_ > 1 else None}
    return score, {k: v for k, v in vals.items() if v is not None}


def size_formula(expected: int, got: int, nums: list[Num], axis: int | None = None, ndim: int = 0):
    """(kind, en_terms, ko_terms, values) when the inputs hold n, p, f, s with floor((n+2p-f)/s)+1 ==
    expected and one changed term of the formula gives ``got``; of several readings, the one whose terms
    the inputs name best (n from the same axis of an input array, p and s from named ints)."""
    if not nums or expected == got:
        return None
    values = sorted({x.value for x in nums if x.value <= 64})
    hyper = sorted({x.value for x in nums if x.value <= 64 and _hyper(x)})   # pads, strides
    best = None
    for s_, p, f, n in product([v for v in hyper if v >= 2] + [1], [v for v in hyper if v >= 1] + [0],
                               [v for v in values if v >= 1], values):
        if f > n + 2 * p or (n + 2 * p - f) // s_ + 1 != expected:
            continue
        terms = [t for t, size in _variants(n, p, f, s_).items() if size == got
                 and not (t in ("one-side", "no-pad", "pad-f") and p == 0)
                 and not (t in ("no-stride", "round", "ceil") and s_ == 1)]
        if not terms:
            continue
        score, vals = _role_labels(n, p, f, s_, nums, axis, ndim)
        if score > -1 and (best is None or score > best[0]):      # no input playing two terms
            terms.sort(key=_ORDER.index)
            best = (score, terms, vals)
    if best is None:
        return None
    score, terms, vals = best
    en = " or ".join(_TERMS[t][0] for t in terms[:2])
    ko = " 또는 ".join(_TERMS[t][1] for t in terms[:2])
    return _KIND[terms[0]], en, ko, vals, score


def _formula_text(kind: str, en: str, ko: str, vals: dict) -> tuple[str, str]:
    shown = ", ".join(f"{k} = {v.value}" + ("" if v.label.isdigit() else f" (`{v.label}`)") for k, v in vals.items())
    return (f"with `floor((n + 2p - f) / s) + 1` and {shown}, your size is what you get {en}",
            f"`floor((n + 2p - f) / s) + 1`에 {shown}을(를) 넣으면, 받은 크기는 {ko} 계산한 값입니다")


def diagnose_sizes(got: int, expected: int, nums: list[Num], what_en: str, what_ko: str,
                   axis: int | None = None, ndim: int = 0, kept: bool = False) -> Finding | None:
    """One size (an axis length or a returned int) against the expected one; ``kept``: the result should
    have the shape of an input (a gradient, a copy), so no output-size formula applies."""
    reduced = _reduced_axis(got, expected, nums, what_en, what_ko, axis, ndim) if axis is not None else None
    if reduced:
        return reduced
    found = None if kept else size_formula(expected, got, nums, axis, ndim)
    if found and (found[4] >= 4 or axis is None):     # n is this axis of an input: the formula reading holds
        return _formula_finding(found, got, expected, what_en, what_ko)
    by_pad = _padding_delta(got, expected, nums, what_en, what_ko, axis, ndim)
    if by_pad or found:
        return by_pad or _formula_finding(found, got, expected, what_en, what_ko)
    if abs(got - expected) == 1:
        return ("shape-off-by-one", f"{what_en} is {got} instead of {expected}: one too "
                f"{'many' if got > expected else 'few'} (a `+ 1`, a range end or a slice end off by one).",
                f"{what_ko}이(가) {expected}이 아니라 {got}입니다: 하나 {'많습니다' if got > expected else '적습니다'}"
                f"(`+ 1`, range 끝이나 슬라이스 끝이 하나 어긋남).")
    return None


def _formula_finding(found, got, expected, what_en, what_ko) -> Finding:
    kind, en, ko, vals, _ = found
    te, tk = _formula_text(kind, en, ko, vals)
    return kind, f"{what_en} is {got} instead of {expected}: {te}.", f"{what_ko}이(가) {expected}이 아니라 {got}입니다: {tk}."


def _padding_delta(got, expected, nums, what_en, what_ko, axis=None, ndim=0) -> Finding | None:
    """Both sizes are an input's size on this axis plus a multiple (0 to 4) of one named int: padding
    added too often, too rarely or on one side only.  Without an axis, any input size may be n."""
    sizes = {x.value for x in nums if ".shape" in x.label and (axis is None or _same_axis(x, axis, ndim))}
    for n in sorted(sizes):
        for x in nums:
            if not x.value or ".shape" in x.label or x.label.isdigit():
                continue
            a, b = (got - n) / x.value, (expected - n) / x.value
            if a in (0, 1, 2, 3, 4) and b in (0, 1, 2, 4) and a != b:
                a, b = int(a), int(b)
                if a > b:
                    en, ko = "padding where there should be less (or none)", "패딩이 필요보다 많습니다(또는 없어야 합니다)"
                else:
                    en, ko = ("padding on one side only" if a == b // 2 and b else "padding missing",
                              "한쪽에만 패딩" if a == b // 2 and b else "패딩이 빠짐")
                term = {0: "n", 1: f"n + {x.label}"}.get(a, f"n + {a}·{x.label}")
                want = {0: "n", 1: f"n + {x.label}"}.get(b, f"n + {b}·{x.label}")
                return ("shape-padding", f"{what_en} is {got} = {term} where {expected} = {want} is expected "
                        f"(n = {n}, {x.label} = {x.value}): {en}.",
                        f"{what_ko}이(가) {want} = {expected}가 아니라 {term} = {got}입니다"
                        f"(n = {n}, {x.label} = {x.value}): {ko}.")
    return None


def _reduced_axis(got, expected, nums, what_en, what_ko, axis, ndim) -> Finding | None:
    """An axis that should have been summed / averaged away (length 1) and was kept, or the reverse."""
    if expected == 1 and got > 1 and any(_same_axis(x, axis, ndim) and x.value == got for x in nums):
        return ("shape-not-reduced", f"{what_en} has length {got} where 1 is expected: also sum (or average) over "
                f"that axis, keeping it with `keepdims=True`.", f"{what_ko}의 길이가 1이어야 하는데 {got}입니다: 그 축도 "
                f"합(또는 평균)하고 `keepdims=True`로 축을 유지하세요.")
    if got == 1 and expected > 1:
        return ("shape-not-reduced", f"{what_en} has length 1 where {expected} is expected: this axis must not be "
                "summed or averaged away.", f"{what_ko}의 길이가 {expected}이어야 하는데 1입니다: 이 축은 합하거나 "
                "평균하면 안 됩니다.")
    return None


def diagnose_shape(got: tuple, expected: tuple, inputs: Mapping[str, Any] | None) -> Finding | None:
    """Why an array has shape ``got`` where ``expected`` was asked for."""
    got, expected = tuple(int(x) for x in got), tuple(int(x) for x in expected)
    if got == expected:
        return None
    for name, v in flat_inputs(inputs).items():
        if type(v) is np.ndarray and v.shape == got and v.shape != expected:
            return ("shape-of-input", f"Your result has the shape of the input `{name}` {got}, not {expected}: "
                    f"did you return `{name}` (or an array made like it) instead of the result?",
                    f"결과의 모양이 입력 `{name}`의 모양 {got}이고 {expected}가 아닙니다: 결과 대신 `{name}`"
                    f"(또는 그와 같은 모양의 배열)을 반환하지 않았나요?")
    if len(got) != len(expected):
        squeezed = tuple(s for s in expected if s != 1)
        if tuple(s for s in got if s != 1) == squeezed:
            return ("shape-ndim", f"Your result has {len(got)} axes, {len(expected)} expected: the sizes match but "
                    f"an axis of length 1 was {'dropped' if len(got) < len(expected) else 'added'} (keep it: "
                    f"reshape or `keepdims=True`).",
                    f"결과의 축이 {len(expected)}개가 아니라 {len(got)}개입니다: 크기는 맞지만 길이 1인 축이 "
                    f"{'빠졌습니다' if len(got) < len(expected) else '더해졌습니다'}(reshape나 `keepdims=True`).")
        for k in range(len(expected)):
            if expected[:k] + expected[k + 1:] == got:
                return ("shape-ndim", f"Your result lacks axis {k} (length {expected[k]}): the result of a single "
                        f"index along it instead of all of them?",
                        f"결과에 {k}번 축(길이 {expected[k]})이 없습니다: 모든 인덱스가 아니라 하나만 계산했나요?")
        return None
    if sorted(got) == sorted(expected):
        bad = [k for k in range(len(got)) if got[k] != expected[k]]
        return ("shape-swapped", f"Axes {', '.join(map(str, bad))} have their lengths swapped ({got} instead of "
                f"{expected}): height and width (rows and columns) mixed up?",
                f"{', '.join(map(str, bad))}번 축의 길이가 서로 바뀌었습니다({expected}가 아니라 {got}): 높이와 너비"
                f"(행과 열)를 바꿔 쓰지 않았나요?")
    nums = numbers(inputs)
    bad = [k for k in range(len(got)) if got[k] != expected[k]]
    kept = any(type(v) is np.ndarray and v.shape == expected for v in flat_inputs(inputs).values())
    findings = [diagnose_sizes(got[k], expected[k], nums, f"Axis {k}", f"{k}번 축", k, len(got), kept) for k in bad]
    if findings and all(findings) and len({f[0] for f in findings}) == 1:
        kind = findings[0][0]
        if len(findings) == 1:
            return findings[0]
        axes = ", ".join(map(str, bad))
        return kind, f"Axes {axes} ({got} instead of {expected}): " + findings[0][1].split(": ", 1)[1], \
            f"{axes}번 축({expected}가 아니라 {got}): " + findings[0][2].split(": ", 1)[1]
    if len(bad) == 1:
        k = bad[0]
        return findings[0] or ("shape-axis", f"Only axis {k} differs: {got[k]} instead of {expected[k]} "
                               f"({got} vs {expected}); check how you compute that size.",
                               f"{k}번 축만 다릅니다: {expected[k]}이 아니라 {got[k]}입니다({expected} 대신 {got}); "
                               f"그 크기를 계산하는 식을 확인하세요.")
    return next((f for f in findings if f), None)
