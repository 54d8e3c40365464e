"""Generic diagnosis, part 2: an array of the right shape with wrong values.

First a relation that holds for the whole array (a constant factor, the sign,
a constant offset, swapped or flipped axes, a shift by one, another reduction
of the same windows of an input), then where the wrong elements are (one index
of an axis, the last row, a border band, a block) and what they hold instead
(zeros, the input, a neighbour, the values of another sample).
"""
from __future__ import annotations

from fractions import Fraction
from itertools import combinations
from typing import Any, Mapping

import numpy as np

from .diagnose_shapes import Finding, Num, flat_inputs, named, numbers

MAX_SIZE = 100_000      # larger arrays: no diagnosis (the tests use small ones)


def close(a: np.ndarray, b: np.ndarray, rtol: float = 1e-5, atol: float = 1e-7) -> bool:
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol))


def _ratio_name(r: float, nums: list[Num]) -> tuple[str, str] | None:
    """("f·f", "4") for a ratio made of one or two input numbers (products, sums, quotients); a plain 2
    or 1/2 is not worth a name."""
    seen, terms = set(), []
    for n in nums:
        if n.value >= 2 and n.value not in seen and not n.label.isdigit():
            seen.add(n.value)
            terms.append((n.label, n.value))
    terms = terms[:8]
    options = [(f"{a}", v) for a, v in terms if v >= 3]
    options += [(f"{a}·{a}", v * v) for a, v in terms]
    options += [(f"{a}·{b}", v * w) for (a, v), (b, w) in combinations(terms, 2)]
    options += [(f"({a} + {b})", v + w) for (a, v), (b, w) in combinations(terms, 2)]
    options += [("100", 100), ("2", 2)]
    options += [(f"{a}·{b}·{c}", v * w * u) for (a, v), (b, w), (c, u) in combinations(terms, 3)]
    for label, v in options:
        if abs(abs(r) - v) <= 1e-6 * v:
            return label, str(v)
        if abs(abs(r) - 1 / v) <= 1e-6 / v:
            return (f"1/{label}" if "·" not in label else f"1/({label})"), f"1/{v}"
    for k in range(2, 11):      # a small whole factor needs no name
        if abs(abs(r) - k) <= 1e-9 * k or abs(abs(r) - 1 / k) <= 1e-9 / k:
            return (str(k), str(k)) if abs(r) > 1 else (f"1/{k}", f"1/{k}")
    # a quotient of two axis lengths is more likely a coincidence than a reason: one side must be named
    options += [(f"({a}·{a} - 1)", v * v - 1) for a, v in terms if ".shape" not in a]
    options += [(f"({a} - 1)", v - 1) for a, v in terms if ".shape" not in a and v > 2]
    quotients = sorted(options, key=lambda o: ".shape" in o[0])[:40]      # named terms first
    for (a, v), (b, w) in ((x, y) for x in quotients for y in quotients
                           if x[1] != y[1] and (".shape" not in x[0] or ".shape" not in y[0])):
        if abs(abs(r) - v / w) <= 1e-9 * v:
            return f"{a}/{b}", str(Fraction(v, w))
    return None


def relation(got: np.ndarray, exp: np.ndarray, inputs: Mapping[str, Any] | None) -> Finding | None:
    """A relation between the whole of ``got`` and ``exp`` (same shape)."""
    nums = numbers(inputs)
    if not np.any(got):
        return ("all-zero", "Your result is all zeros: nothing was written into it (a loop that never runs, "
                "values stored in another array, or `=` on a copy).",
                "결과가 모두 0입니다: 아무것도 써 넣지 않았습니다(돌지 않는 반복문, 다른 배열에 저장, 복사본에 `=`).")
    denom = float(np.vdot(exp, exp))
    if denom > 0:
        r = float(np.vdot(got, exp)) / denom
        if abs(r - 1) > 1e-6 and close(got, r * exp):
            if abs(r + 1) <= 1e-6:
                return ("sign", "Every value has the wrong sign: a minus sign too many or too few.",
                        "모든 값의 부호가 반대입니다: 빼기 부호가 하나 더 있거나 빠졌습니다.")
            name = _ratio_name(r, nums)
            how = (name[1] if name[0] == name[1] else f"{name[0]} = {name[1]}") if name else f"{r:.4g}"
            sign = " and of the opposite sign" if r < 0 else ""
            sign_ko = " 부호도 반대" if r < 0 else ""
            return ("factor", f"Every value is {how} times the expected one{sign}: a sum where a mean is needed "
                    f"(or the reverse), a division by the wrong count, or a factor applied twice.",
                    f"모든 값이 기대값의 {how}배입니다{sign_ko}: 평균 대신 합(또는 반대), 잘못된 개수로 나눔, "
                    f"두 번 곱한 계수 중 하나입니다.")
    diff = got - exp
    if close(diff, np.full_like(diff, diff.flat[0]), atol=1e-7):
        return ("offset", "Every value is off by the same amount: a term added once too often or not at all "
                "(a bias?).", "모든 값이 같은 양만큼 어긋납니다: 한 번 더 더했거나 빠뜨린 항(편향?)이 있습니다.")
    if exp.ndim >= 2:
        last = diff.reshape(-1, diff.shape[-1])
        if exp.shape[-1] > 1 and close(last, np.broadcast_to(last[0], last.shape)):
            for name, v in flat_inputs(inputs).items():
                if type(v) is np.ndarray and v.size == last.shape[1] and v.dtype.kind in "iuf":
                    for sign, word, word_ko in ((1, "once too often", "한 번 더"), (-1, "missing", "빠졌습니다")):
                        if close(last[0], sign * v.reshape(-1).astype(float)):
                            return ("offset-input", f"Your values differ by exactly `{name}` along the last axis: "
                                    f"`{name}` is {word}.", f"값이 마지막 축을 따라 정확히 `{name}`만큼 다릅니다: "
                                    f"`{name}`이(가) {word_ko}{'' if sign < 0 else ' 더해졌습니다'}.")
            return ("offset", "Each index of the last axis (each channel) is off by its own constant: a per-channel "
                    "term (a bias?) is added twice, missing, or taken from the wrong channel.",
                    "마지막 축의 인덱스(채널)마다 값이 각자의 상수만큼 어긋납니다: 채널별 항(편향?)이 두 번 "
                    "더해졌거나, 빠졌거나, 다른 채널의 것입니다.")
    for fn, en, ko in ((lambda v: np.maximum(v, 0), "the negative values became 0 (a max with 0, a ReLU?)",
                        "음수 값이 0이 되었습니다(0과의 max, ReLU?)"),
                       (lambda v: np.minimum(v, 0), "the positive values became 0", "양수 값이 0이 되었습니다"),
                       (np.abs, "every value is the absolute value of the expected one", "모든 값이 기대값의 절댓값입니다")):
        if close(got, fn(exp)) and not close(exp, fn(exp)):
            return ("clipped", f"Your values are the expected ones except that {en}: no such step is asked for.",
                    f"기대값과 같지만 {ko}: 그런 단계는 필요 없습니다.")
    for a, b in combinations(range(exp.ndim), 2):
        if exp.shape[a] == exp.shape[b] > 1 and close(got, np.swapaxes(exp, a, b)):
            return ("swapped-axes", f"Your result is the expected one with axes {a} and {b} swapped: rows and "
                    f"columns (height and width) exchanged in an index or a loop.",
                    f"결과가 {a}번 축과 {b}번 축을 바꾼 것과 같습니다: 인덱스나 반복문에서 행과 열(높이와 너비)을 "
                    f"바꿨습니다.")
    for axes in [(k,) for k in range(exp.ndim)] + list(combinations(range(exp.ndim), 2)):
        if all(exp.shape[k] > 1 for k in axes) and close(got, np.flip(exp, axes)):
            shown = " and ".join(map(str, axes))
            return ("flipped", f"Your result is the expected one reversed along axis {shown}: a window or an "
                    "index read backwards (a flipped kernel?).",
                    f"결과가 {shown}번 축을 따라 뒤집혀 있습니다: 창이나 인덱스를 거꾸로 읽었습니다(뒤집힌 필터?).")
    for k in range(exp.ndim):
        n = exp.shape[k]
        if n < 3:
            continue
        for step in (1, -1):
            src = [slice(None)] * exp.ndim
            dst = [slice(None)] * exp.ndim
            src[k], dst[k] = (slice(0, n - 1), slice(1, n)) if step == 1 else (slice(1, n), slice(0, n - 1))
            if close(got[tuple(dst)], exp[tuple(src)]):
                return ("shift", f"Along axis {k} your values are the expected ones shifted by one position "
                        f"({'later' if step == 1 else 'earlier'}): an index or a window start off by one.",
                        f"{k}번 축을 따라 값이 한 칸 밀려 있습니다({'뒤로' if step == 1 else '앞으로'}): 인덱스나 창의 "
                        "시작 위치가 하나 어긋났습니다.")
    return window_reduction(got, exp, inputs, nums)


_REDUCTIONS = {"max": np.max, "min": np.min, "mean": np.mean, "sum": np.sum, "median": np.median}


def window_reduction(got, exp, inputs, nums) -> Finding | None:
    """Each value is another statistic (max / mean / sum / median / min) of the same windows of an input,
    or the right statistic of windows of another size or step."""
    ints = sorted({n.value for n in nums if 1 <= n.value <= 16})
    named_ints = {n.value for n in nums if ".shape" not in n.label and not n.label.isdigit()}
    for name, x in flat_inputs(inputs).items():
        if type(x) is not np.ndarray or x.ndim != exp.ndim or x.dtype.kind not in "iuf" or x.size > MAX_SIZE:
            continue
        spatial = [k for k in range(x.ndim) if x.shape[k] != exp.shape[k]]
        if not spatial or len(spatial) > 3:
            continue
        right, wrong = [], []
        for f in ints:
            for s in ints:
                exact = all(x.shape[k] >= f and (x.shape[k] - f) // s + 1 == exp.shape[k] for k in spatial)
                if not exact and not ({f, s} <= named_ints and all(
                        x.shape[k] >= f and (x.shape[k] - f) // s + 1 >= exp.shape[k] for k in spatial)):
                    continue        # other windows only of the sizes and steps the inputs name
                if x.size * f ** len(spatial) > 4_000_000:
                    continue
                window = [f if k in spatial else 1 for k in range(x.ndim)]
                views = np.lib.stride_tricks.sliding_window_view(x.astype(float), window)
                views = views[tuple(slice(None, s * (exp.shape[k] - 1) + 1, s) if k in spatial else slice(None)
                                    for k in range(x.ndim))]
                axes = tuple(range(x.ndim, 2 * x.ndim))
                for r, fn in _REDUCTIONS.items():
                    v = fn(views, axis=axes)
                    right += [(f, s, r)] if close(v, exp) else []
                    wrong += [(f, s, r)] if close(v, got) else []
        for f, s, r in wrong:
            same_windows = [q for f2, s2, q in right if (f2, s2) == (f, s)]
            if same_windows:
                return ("reduction", f"Each of your values is the {r} of its window of `{name}`, where the "
                        f"{same_windows[0]} is expected: use the statistic that was asked for.",
                        f"각 값이 `{name}`의 창에 대한 {r}입니다({same_windows[0]}이어야 합니다): 요구된 통계를 쓰세요.")
        for f, s, r in wrong:
            if any(q == r for _, _, q in right):
                f2, s2, _ = next(t for t in right if t[2] == r)
                return ("window", f"Each of your values is the {r} of a {f}-wide window of `{name}` moved by {s}, but "
                        f"the windows are {f2} wide ({named(f2, nums)}) and move by {s2} ({named(s2, nums)}).",
                        f"각 값이 `{name}`에서 {s}칸씩 움직이는 너비 {f}의 창에 대한 {r}인데, 창의 너비는 "
                        f"{f2}({named(f2, nums)}), 이동은 {s2}({named(s2, nums)})여야 합니다.")
    return None


# --------------------------------------------------------------------------- where the wrong values are
def _instead(got, exp, wrong, inputs, axis=None, index=None) -> tuple[str, str]:
    """What the wrong elements hold instead, as a clause ("" if nothing simple)."""
    g = got[wrong]
    if not np.any(g):
        return " They are 0 there (never written?).", " 그 자리는 0입니다(쓰지 않았나요?)."
    for name, v in flat_inputs(inputs).items():
        if type(v) is np.ndarray and v.shape == got.shape and v.dtype.kind in "iuf" and close(g, v[wrong]):
            return f" They still hold the input `{name}` there.", f" 그 자리에는 입력 `{name}`의 값이 그대로 있습니다."
    if axis is not None:
        n = exp.shape[axis]
        for j in range(n):
            if j != index and close(np.take(got, index, axis), np.take(exp, j, axis)):
                return (f" They equal the expected values at index {j} of that axis: a result that would be right "
                        f"for index {j}.", f" 그 값은 그 축의 {j}번 인덱스에 맞는 값입니다: {j}번에 맞는 결과입니다.")
    for k in range(exp.ndim):
        for step in (1, -1):
            nb = np.roll(exp, step, axis=k)
            if close(g, nb[wrong]):
                return (f" They equal their neighbours along axis {k}: an index off by one.",
                        f" 그 값은 {k}번 축의 이웃 값입니다: 인덱스가 하나 어긋났습니다.")
    return "", ""


def location(got: np.ndarray, exp: np.ndarray, wrong: np.ndarray, inputs) -> Finding | None:
    """Where the wrong elements are, when they are not everywhere."""
    if wrong.all() or not wrong.any():
        return None
    nd = exp.ndim
    nums = numbers(inputs)
    touched = [np.flatnonzero(wrong.any(axis=tuple(j for j in range(nd) if j != k))) for k in range(nd)]
    rights = [np.flatnonzero(~wrong.any(axis=tuple(j for j in range(nd) if j != k))) for k in range(nd)]
    # one index, or the last / first few indices, of one axis wrong (one sample, one channel, the last row)
    active = (exp != 0) | (got != 0)
    for k in sorted(range(nd), key=lambda k: -exp.shape[k]):
        t, n = touched[k], exp.shape[k]
        if n < 2 or len(t) == 0 or t[-1] - t[0] + 1 != len(t) or len(t) > max(1, n // 2):
            continue
        slab = np.zeros(exp.shape, bool)
        slab[(slice(None),) * k + (slice(int(t[0]), int(t[-1]) + 1),)] = True
        if wrong[slab].sum() < 0.9 * active[slab].sum():
            continue
        i, j = int(t[0]), int(t[-1])
        te, tk = _instead(got, exp, wrong, inputs, k, i) if i == j else _instead(got, exp, wrong, inputs)
        if j == n - 1 and n >= 3:
            kind, where, where_ko = "last-slice", ("the last index" if i == j else f"the last {j - i + 1} indices"), \
                ("마지막 인덱스" if i == j else f"마지막 {j - i + 1}개 인덱스")
        elif i == j:
            kind, where, where_ko = "one-slice", f"index {i}", f"{i}번 인덱스"
        else:
            continue
        return (kind, f"Only {where} of axis {k} {'is' if i == j else 'are'} wrong (everything else is right): a "
                f"loop or a slice that stops short or treats that position differently.{te}",
                f"{k}번 축의 {where_ko}만 틀렸습니다(나머지는 맞음): 일찍 멈추거나 그 위치를 다르게 다루는 "
                f"반복문/슬라이스입니다.{tk}")
    # only one index of one axis right (only the first sample right)
    for k in range(nd):
        if exp.shape[k] > 1 and len(rights[k]) == 1 and len(touched[k]) == exp.shape[k] - 1:
            i = int(rights[k][0])
            te, tk = _instead(got, exp, wrong, inputs)
            return ("only-one-right", f"Along axis {k} only index {i} is right: the others reuse its data or are "
                    f"never computed (an index fixed at {i}, or a loop that stops early).{te}",
                    f"{k}번 축에서 {i}번 인덱스만 맞습니다: 나머지가 그 데이터를 다시 쓰거나 계산되지 않았습니다"
                    f"({i}로 고정된 인덱스, 일찍 멈춘 반복문).{tk}")
    # a band at the border of some axes
    idx = np.indices(exp.shape)
    for d in (1, 2, 3):
        for axes in _axis_sets(exp.shape, d):
            band = np.zeros(exp.shape, bool)
            for k in axes:
                band |= (idx[k] < d) | (idx[k] >= exp.shape[k] - d)
            if not band.all() and not (wrong & ~band).any() and wrong.sum() >= 0.3 * band.sum():
                te, tk = _instead(got, exp, wrong, inputs)
                shown = ", ".join(map(str, axes))
                return ("border", f"Only a band {named(d, nums, 'p')} wide at the border of axes {shown} is wrong; the "
                        f"inside is right: the padding or the edge windows are handled wrongly.{te}",
                        f"{shown}번 축의 가장자리 너비 {named(d, nums, 'p')}의 띠만 틀렸고 안쪽은 맞습니다: 패딩이나 "
                        f"가장자리 창을 잘못 다뤘습니다.{tk}")
    # one block
    lo = [int(t[0]) for t in touched]
    hi = [int(t[-1]) + 1 for t in touched]
    box = tuple(slice(a, b) for a, b in zip(lo, hi))
    if wrong[box].mean() >= 0.8 and wrong[box].size < wrong.size:
        te, tk = _instead(got, exp, wrong, inputs)
        shown = "[" + ", ".join(f"{a}:{b}" for a, b in zip(lo, hi)) + "]"
        return ("block", f"Only the block {shown} is wrong, the rest is right: one window or region is written "
                f"to the wrong place, overwritten (`=` instead of `+=`?) or skipped.{te}",
                f"블록 {shown}만 틀리고 나머지는 맞습니다: 한 창이나 영역을 잘못된 곳에 썼거나, 덮어썼거나"
                f"(`+=` 대신 `=`?), 건너뛰었습니다.{tk}")
    return None


def _axis_sets(shape, d):
    """Sets of axes whose border band could be wrong: the inner axes first (height and width of a batch)."""
    big = [k for k, n in enumerate(shape) if n > 2 * d]
    inner = [k for k in big if 0 < k < len(shape) - 1]
    sets = [tuple(inner)] if inner else []
    sets += [(k,) for k in big]
    sets += [c for c in combinations(big, 2) if c not in sets]
    return [s for s in dict.fromkeys(sets) if s]
