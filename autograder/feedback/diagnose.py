"""Generic diagnosis of a wrong returned value: what kind of mistake it looks like.

Given only what a hidden test had in hand (the inputs of the call, the expected
value and the student's value, and for "does not modify its inputs" the value
of an argument before and after the call), name the class of the mistake: a
size that one term of the output-size formula explains, a constant factor, a
wrong sign, swapped axes, another statistic of the same windows, wrong values
confined to one sample / the last row / a border band, an argument changed in
place, a number that a nearby operation on the inputs gives...  Nothing here
knows an exercise, a function name or a dictionary key; nothing here shows
an expected number the check's own message does not already show.

Called from :mod:`autograder.checks` when a check fails and none of the test's
own hints recognised the value; the engine adds the result as a "Hint:" line
(ids in the results' ``hints``).  A value within tolerance never gets one.
"""
from __future__ import annotations

import math
from collections import Counter
from itertools import combinations, combinations_with_replacement
from typing import Any, Mapping

import numpy as np

from .diagnose_shapes import Finding, _formula_finding, diagnose_shape, flat_inputs, is_int, numbers, size_formula
from .diagnose_values import MAX_SIZE, close, location, relation
from .explain import Explanation

__all__ = ["diagnose", "diagnose_shape_only", "diagnose_mutation"]


def _array(v: Any) -> np.ndarray | None:
    if type(v) is np.ndarray and v.dtype.kind in "biuf" and 0 < v.size <= MAX_SIZE:
        return v.astype(np.float64)
    return None


def _number(v: Any) -> float | None:
    if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_)):
        return float(v)
    if type(v) is np.ndarray and v.ndim == 0 and v.dtype.kind in "iuf":
        return float(v)
    return None


def same(got: Any, exp: Any) -> bool:
    """Equal within a tolerance no looser than any check's: a right answer is never diagnosed."""
    g, e = _number(got), _number(exp)
    if g is not None and e is not None:
        return math.isclose(g, e, rel_tol=1e-5, abs_tol=1e-7)
    ga, ea = _array(got), _array(exp)
    if ga is not None and ea is not None:
        return close(ga, ea)
    if type(exp) is dict:
        return type(got) is dict and set(got) == set(exp) and all(same(got[k], exp[k]) for k in exp)
    if type(exp) in (tuple, list):
        return type(got) in (tuple, list) and len(got) == len(exp) and all(map(same, got, exp))
    try:
        return type(got) is type(exp) and bool(got == exp)
    except Exception:
        return False


def _wrap(found: Finding | None) -> list[Explanation]:
    return [Explanation(f"diagnose:{found[0]}", found[1], found[2])] if found else []


def diagnose(got: Any, expected: Any, inputs: Mapping[str, Any] | None = None) -> list[Explanation]:
    """At most one explanation of how ``got`` differs from ``expected`` (none when they agree)."""
    try:
        if same(got, expected):
            return []
        return _wrap(_dispatch(got, expected, dict(inputs or {})))
    except Exception:     # a diagnosis that trips over an odd value explains nothing
        return []


def diagnose_shape_only(shape: tuple, expected_shape: tuple, inputs=None) -> list[Explanation]:
    try:
        return _wrap(diagnose_shape(tuple(shape), tuple(expected_shape), inputs))
    except Exception:
        return []


def _cache_prefix(exp, inputs) -> str | None:
    """The input's name when the expected value *is* an argument (a returned cache must hold the inputs)."""
    for name, v in flat_inputs(inputs).items():
        if type(v) is type(exp) and type(v) in (np.ndarray, dict, tuple, list) and (v is exp or same(v, exp)):
            return str(name)
    return None


def _dispatch(got, exp, inputs) -> Finding | None:
    found = _compare(got, exp, inputs)
    name = _cache_prefix(exp, inputs) if found else None
    if name:        # e.g. a returned cache: it must hold the argument as it was passed
        return ("cache-not-input", f"This should be the input `{name}` as it was passed, but it is not. "
                + found[1], f"이 값은 전달된 입력 `{name}` 그대로여야 하는데 다릅니다. " + found[2])
    return found


def _compare(got, exp, inputs) -> Finding | None:
    if _number(exp) is not None and _number(got) is not None:
        return scalar(_number(got), _number(exp), inputs, exact_ints=is_int(exp) and is_int(got))
    ea, ga = _array(exp), _array(got)
    if ea is not None and ga is not None:
        if ga.shape != ea.shape:
            return diagnose_shape(ga.shape, ea.shape, inputs) or _truncated(ga, ea)
        return relation(ga, ea, inputs) or location(ga, ea, ~np.isclose(ga, ea, rtol=1e-5, atol=1e-7), inputs)
    if type(exp) is dict and type(got) is dict:
        return _dict(got, exp, inputs)
    if type(exp) in (tuple, list) and type(got) in (tuple, list):
        return _sequence(got, exp, inputs)
    return None


def _truncated(got, exp) -> Finding | None:
    """Same number of axes, one axis shorter: is it the expected array cut short?"""
    if got.ndim != exp.ndim:
        return None
    part = tuple(slice(0, min(a, b)) for a, b in zip(got.shape, exp.shape))
    if close(got[part], exp[part]):
        return ("shape-axis", "The values you have are right, but the array is cut short or too long at the end "
                "of an axis: a range or a slice end is off.", "있는 값은 맞지만 배열이 어떤 축의 끝에서 "
                "잘렸거나 깁니다: range나 슬라이스의 끝이 어긋났습니다.")
    return None


# --------------------------------------------------------------------------- containers
def _keys(keys) -> str:
    return ", ".join(repr(k)[:40] for k in keys[:4]) + (" ..." if len(keys) > 4 else "")


def _dict(got: dict, exp: dict, inputs) -> Finding | None:
    missing, extra = [k for k in exp if k not in got], [k for k in list(got)[:1000] if k not in exp]
    if missing or extra:
        parts_en = ([f"missing {_keys(missing)}"] if missing else []) + ([f"unexpected {_keys(extra)}"] if extra else [])
        parts_ko = ([f"빠진 키 {_keys(missing)}"] if missing else []) + ([f"없어야 할 키 {_keys(extra)}"] if extra else [])
        return ("dict-keys", f"The keys are wrong: {'; '.join(parts_en)}.", f"키가 틀렸습니다: {'; '.join(parts_ko)}.")
    wrong = [k for k in exp if not same(got[k], exp[k])]
    if len(wrong) == 1:
        inner = _dispatch(got[wrong[0]], exp[wrong[0]], inputs)
        en, ko = (f" {inner[1]}", f" {inner[2]}") if inner else ("", "")
        return (inner[0] if inner else "dict-entry", f"Only the entry {wrong[0]!r} is wrong.{en}",
                f"{wrong[0]!r} 항목만 틀렸습니다.{ko}")
    prefix = _common_prefix([str(k) for k in wrong])
    rest = [k for k in exp if k not in wrong and str(k).startswith(prefix)] if prefix else []
    if prefix and not rest:
        return ("dict-entries", f"Exactly the {len(wrong)} entries starting with {prefix!r} are wrong, all others "
                f"are right: that part was handled differently.", f"{prefix!r}로 시작하는 항목 {len(wrong)}개만 "
                f"틀렸고 나머지는 맞습니다: 그 부분을 다르게 처리했습니다.")
    shown = _keys(wrong)
    return ("dict-entries", f"{len(wrong)} of {len(exp)} entries are wrong: {shown}.",
            f"항목 {len(exp)}개 중 {len(wrong)}개가 틀렸습니다: {shown}.")


def _common_prefix(keys: list[str]) -> str:
    """The longest shared prefix ending at a separator ("classifier." of "classifier.weight", ...)."""
    if len(keys) < 2:
        return ""
    p = keys[0]
    for k in keys[1:]:
        while not k.startswith(p):
            p = p[:-1]
    cut = max(p.rfind("."), p.rfind("_"), p.rfind("/"))
    return p[: cut + 1] if cut >= 0 else ""


def _sequence(got, exp, inputs) -> Finding | None:
    if len(got) != len(exp):
        return None     # the count has its own check and message
    wrong = [i for i in range(len(exp)) if not same(got[i], exp[i])]
    moved = [(i, j) for i in wrong for j in range(len(exp)) if j != i and same(got[i], exp[j])]
    if len(wrong) >= 2 and {i for i, _ in moved} == set(wrong):
        i, j = moved[0]
        return ("order", f"The elements are in the wrong order: element {i} holds what belongs at position {j}.",
                f"원소의 순서가 틀렸습니다: {i}번 원소에 {j}번 자리의 값이 들어 있습니다.")
    if wrong and all(is_int(g) and is_int(e) for g, e in zip(got, exp)) and len(wrong) > 1:
        found = [scalar(float(got[i]), float(exp[i]), inputs, True) for i in wrong]
        if found[0] and all(f and f[0] == found[0][0] for f in found):
            return found[0][0], f"Elements {', '.join(map(str, wrong))}: {found[0][1]}", \
                f"{', '.join(map(str, wrong))}번 원소: {found[0][2]}"
    for i in wrong[:1]:     # the first wrong element: the checks of a test look at it first
        inner = _dispatch(got[i], exp[i], inputs)
        if inner:
            return inner[0], _at(i, inner[1], "In "), _at(i, inner[2], "")


def _at(i: int, text: str, lead: str) -> str:
    """"In [1][0]: ..." for element 0 of element 1 of the returned value."""
    for prefix in ("In [", "["):
        if text.startswith(prefix):
            return f"{lead}[{i}]" + text[len(prefix) - 1:]
    return f"{lead}[{i}]: {text}"


# --------------------------------------------------------------------------- scalars
def _nearby(inputs) -> list[tuple[str, float]]:
    """Numbers simple operations on the inputs give: sums, means, extremes, dot products, +/- a scalar."""
    inputs = flat_inputs(inputs)
    arrays = {str(k): v.astype(float) for k, v in inputs.items()
              if type(v) is np.ndarray and v.dtype.kind in "iuf" and 1 < v.size <= MAX_SIZE}
    scalars = {str(k): float(v.reshape(-1)[0]) for k, v in inputs.items()
               if type(v) is np.ndarray and v.dtype.kind in "iuf" and v.size == 1}
    scalars.update({str(k): float(v) for k, v in inputs.items() if _number(v) is not None})
    base: list[tuple[str, float]] = []
    for name, x in arrays.items():
        base += [(f"sum({name})", x.sum()), (f"mean({name})", x.mean()), (f"max({name})", x.max()),
                 (f"min({name})", x.min())]
    for (a, x), (b, y) in combinations(arrays.items(), 2):
        if x.shape == y.shape:
            base += [(f"sum({a} * {b})", (x * y).sum()), (f"mean({a} * {b})", (x * y).mean()),
                     (f"sum({a}) * sum({b})", x.sum() * y.sum()),
                     (f"max({a} * {b})", (x * y).max()), (f"sum({a}) + sum({b})", x.sum() + y.sum())]
    out = list(base)
    for label, v in base:
        for c, w in scalars.items():
            out += [(f"{label} + {c}", v + w), (f"{label} - {c}", v - w), (f"({label}) * {c}", v * w),
                    (f"{label} + 2·{c}", v + 2 * w)]
    return out + _int_expressions(inputs)


def _int_expressions(inputs) -> list[tuple[str, float]]:
    """Products of up to four named ints, plus or minus one of them or 1, and (product + 1)·x:
    the counts an exercise asks for are made of these."""
    ints = [(str(k), int(v)) for k, v in inputs.items() if is_int(v) and 1 < int(v) <= 4096][:6]
    products: dict[str, int] = {}
    for r in (1, 2, 3, 4):
        for combo in combinations_with_replacement(range(len(ints)), r):
            if max(Counter(combo).values()) <= 2:
                products["·".join(ints[i][0] for i in combo)] = math.prod(ints[i][1] for i in combo)
    out: list[tuple[str, float]] = []
    # the reading that uses the most different inputs first: (f·f·n_C + 1)·n_F before (n_F + 1)·n_F
    for label, v in sorted(products.items(), key=lambda kv: (-len(set(kv[0].split("·"))), len(kv[0]))):
        out.append((label, v))
        out += [(f"{label} + 1", v + 1), (f"{label} - 1", v - 1)]
        out += [(f"({label} + 1)·{c}", (v + 1) * w) for c, w in ints]
        out += [(f"{label} + {c}", v + w) for c, w in ints]
    return out


def scalar(g: float, e: float, inputs, exact_ints: bool = False) -> Finding | None:
    """Which simple change of the expected number, or which nearby operation on the inputs, gives ``g``."""
    def eq(a, b):
        return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)

    nums = numbers(inputs)
    if exact_ints:
        inputs_ints = {x.value: x.label for x in reversed(nums) if ".shape" not in x.label}
        wrong_input = ("equals-input", f"Your number {int(g)} is the input `{inputs_ints.get(int(g))}` itself: "
                       "another input (or a formula) gives the expected number.",
                       f"받은 수 {int(g)}는 입력 `{inputs_ints.get(int(g))}` 그대로입니다: 기대값은 다른 입력(또는 식)에서 "
                       "나옵니다.")
        if int(g) in inputs_ints and int(e) in inputs_ints:     # one input returned for another
            return wrong_input
        found = size_formula(int(e), int(g), nums)
        if found:
            return _formula_finding(found, int(g), int(e), "Your number", "받은 수")
        if int(g) in inputs_ints:
            return wrong_input
    if 0 <= e <= 1 and 0 <= g <= 1 and eq(g, 1 - e):
        return ("complement", "Your number is 1 minus the expected one: the complement was counted (wrong instead "
                "of right, or the other class).", "받은 수가 1에서 기대값을 뺀 값입니다: 반대쪽(틀린 것, 다른 "
                "클래스)을 셌습니다.")
    if e != 0 and eq(g, -e):
        return ("sign", f"Your number {g:.6g} has the wrong sign.", f"받은 수 {g:.6g}의 부호가 반대입니다.")
    if e != 0 and g != 0:
        from .diagnose_values import _ratio_name
        r = g / e
        name = _ratio_name(r, nums) if not eq(r, 1) else None
        if name:
            how = name[1] if name[0] == name[1] else f"{name[0]} = {name[1]}"
            return ("factor", f"Your number is {how} times the expected one: a sum instead of a mean "
                    f"(or the reverse), a percentage, or a division by the wrong count.",
                    f"받은 수가 기대값의 {how}배입니다: 평균 대신 합(또는 반대), 백분율, 잘못된 개수로 나눔 중 "
                    f"하나입니다.")
    for x in nums:
        if x.value and not x.label.isdigit() and eq(abs(g - e), x.value):
            return ("offset", f"Your number is off by exactly {x.label} = {x.value}: a term counted once too often "
                    f"or missing.", f"받은 수가 정확히 {x.label} = {x.value}만큼 어긋납니다: 한 번 더 셌거나 빠진 "
                    f"항이 있습니다.")
    if eq(abs(g - e), 1):
        return ("off-by-one", "Your number is off by exactly 1: a count or a bound off by one.",
                "받은 수가 정확히 1만큼 어긋납니다: 개수나 경계가 하나 어긋났습니다.")
    for label, v in _nearby(inputs):
        if eq(g, v) and not eq(e, v):
            return ("nearby-op", f"Your number equals `{label}` of the inputs; check which operation is asked for.",
                    f"받은 수는 입력의 `{label}`와(과) 같습니다; 어떤 연산이 필요한지 확인하세요.")
    return None


# --------------------------------------------------------------------------- arguments changed by the call
def diagnose_mutation(before: Any, after: Any, name: str, inputs=None) -> list[Explanation]:
    """How the call changed the argument ``name`` (its value before and after)."""
    try:
        if same(after, before):
            return []
        inner = _dispatch(after, before, dict(inputs or {}))
        text = (f" Compared with what was passed in: {inner[1]}", f" 전달된 값과 비교하면: {inner[2]}") if inner \
            else ("", "")
        return [Explanation("diagnose:mutated-input",
                            f"Your function changed its argument `{name}` in place (`+=`, `x[...] = ...`, a dict "
                            f"update on the caller's object): work on a copy (`.copy()`, `dict(...)`).{text[0]}",
                            f"함수가 인자 `{name}`을(를) 제자리에서 바꿨습니다(`+=`, `x[...] = ...`, 호출자의 딕셔너리 "
                            f"수정): 복사본(`.copy()`, `dict(...)`)으로 작업하세요.{text[1]}")]
    except Exception:
        return []
