"""This assignment's own explainers: the array mistakes of convolution and pooling code.

Slices that come out empty or short, loop bounds, output-size formulas, gradient slots of the wrong
shape, a cache unpacked into the wrong number of names.  They know this exercise's conventions (NHWC
arrays, ``pad``/``f``/``stride``, ``n_H``/``n_H_prev``, the conv and pool cache layouts), which is why they
live here and not in the engine.  grading.yml names this file (``explainers:``); the grader asks these
after its generic explainers (``autograder.feedback.hints``).  Trusted code: it runs in the grader, never
in the sandbox, and sees only the student's notebook and the worker's validated facts.
"""
from __future__ import annotations

import ast
import math
import re

from autograder.feedback.explain import Context, Explainer, Explanation
from autograder.feedback.explainers import UnpackCount

_BROADCAST = r"broadcast"
_SIZE_NAMES = (("n_H", "n_H_prev"), ("n_W", "n_W_prev"))


class CacheUnpack(UnpackCount):
    """``(A_prev, W, b, hparameters) = cache`` with the wrong number of names: say what each cache holds."""
    fallback = False

    def words(self, line: str, has: str) -> tuple[str, str]:
        return (f"`{line}` unpacks the wrong number of values{has}. The conv cache is (A_prev, W, b, hparameters), "
                f"the pool cache (A_prev, hparameters); A_prev.shape has 4 entries (m, n_H_prev, n_W_prev, n_C_prev).",
                f"`{line}`에서 꺼내는 값의 개수가 맞지 않습니다{has}. 합성곱 캐시는 (A_prev, W, b, hparameters), "
                f"풀링 캐시는 (A_prev, hparameters)이며 A_prev.shape는 (m, n_H_prev, n_W_prev, n_C_prev) 4개입니다.")


def _minus_slices(ctx: Context) -> list[str]:
    """Names ``p`` used as ``[p:-p]``-style slice ends on the failing line."""
    return re.findall(r":\s*-\s*([A-Za-z_]\w*)\s*[\],]", ctx.line_text)


class UnpadMinusPad(Explainer):
    """``x[pad:-pad]`` with pad == 0 is ``x[0:0]``: empty."""
    id = "unpad-minus-pad"

    def explain(self, ctx: Context) -> Explanation | None:
        for name in _minus_slices(ctx):
            if ctx.int_value(name) == 0:
                empty = next((s for s in ctx.shapes_in_message if 0 in s), None)
                shape = f" (shape {empty})" if empty else ""
                shape_ko = f"(모양 {empty})" if empty else ""
                return self.found(
                    f"Here {name} == 0, so `[{name}:-{name}]` is `[0:-0]` = `[0:0]`: an empty slice{shape}. "
                    f"Cut the padding off with explicit ends, `[{name}:{name} + n_H_prev, {name}:{name} + n_W_prev]`, "
                    f"which also works when {name} == 0.",
                    f"여기서 {name} == 0이므로 `[{name}:-{name}]`는 `[0:-0]` = `[0:0]`, 빈 구간입니다{shape_ko}. "
                    f"끝을 명시해 패딩을 잘라 내세요: `[{name}:{name} + n_H_prev, {name}:{name} + n_W_prev]`는 "
                    f"{name} == 0일 때도 맞습니다.")
        return None


def _sliced_bases(ctx: Context) -> list[str]:
    """Arrays sliced on the failing line, or sliced to build a variable used on it."""
    bases = []

    def collect(node):
        for sub in ast.walk(node):
            if isinstance(sub, ast.Subscript) and isinstance(sub.value, ast.Name) and any(
                    isinstance(s, ast.Slice) for s in ast.walk(sub.slice)):
                bases.append(sub.value.id)
    if ctx.statement is not None:
        collect(ctx.statement)
    for name in ctx.names_in_line:
        for node in ctx.assignments(name):
            collect(getattr(node, "value", node))
    return list(dict.fromkeys(bases))


class WindowFromUnpadded(Explainer):
    """Windows positioned for the padded input but cut from the unpadded one."""
    id = "window-from-unpadded"
    pattern = _BROADCAST

    def explain(self, ctx: Context) -> Explanation | None:
        pad = ctx.int_value("pad")
        if not pad:
            return None
        for base in _sliced_bases(ctx):
            small = ctx.var(base)
            if small is None or small.shape is None:
                continue
            for name, var in (ctx.facts.locals.items() if ctx.facts else ()):
                if name == base or var.shape is None:
                    continue
                # the padded batch (m, H + 2p, W + 2p, C) or one padded example (H + 2p, W + 2p, C)
                padded = var.shape[1:] if len(var.shape) == len(small.shape) + 1 else var.shape
                if len(padded) != len(small.shape):
                    continue
                grown = [b - a for a, b in zip(small.shape, padded)]
                if sorted(grown)[-2:] == [2 * pad, 2 * pad] and grown.count(0) == len(grown) - 2:
                    return self.found(
                        f"The windows are cut from `{base}` {small.shape}, the input without padding, "
                        f"but their positions count the padding: take them from the padded `{name}` {var.shape}.",
                        f"창을 패딩하지 않은 입력 `{base}` {small.shape}에서 잘랐는데 창의 위치는 패딩을 포함해 "
                        f"계산됩니다: 패딩한 `{name}` {var.shape}에서 자르세요.")
        return None


def _right_size(ctx: Context, prev: str) -> int | None:
    n, f, stride = ctx.int_value(prev), ctx.int_value("f"), ctx.int_value("stride")
    pad = ctx.int_value("pad") or 0
    if n is None or f is None or not stride:
        return None
    return (n + 2 * pad - f) // stride + 1


class OutputSizeFormula(Explainer):
    """n_H / n_W not equal to floor((n_prev + 2*pad - f) / stride) + 1, named by the likely cause."""
    id = "output-size"

    def explain(self, ctx: Context) -> Explanation | None:
        for (size, prev), (other, other_prev) in zip(_SIZE_NAMES, reversed(_SIZE_NAMES)):
            got, right = ctx.var(size), _right_size(ctx, prev)
            if got is None or right is None or got.kind not in ("int", "float", "scalar") or got.value == right:
                continue
            n, f, stride = ctx.int_value(prev), ctx.int_value("f"), ctx.int_value("stride")
            pad = ctx.int_value("pad") or 0
            exact = (n + 2 * pad - f) / stride
            if got.value == _right_size(ctx, other_prev) and ctx.int_value(other) == right:
                return self.found(
                    f"{size} = {got.value} and {other} = {ctx.int_value(other)}: height and width are swapped. "
                    f"{size} comes from {prev} = A_prev.shape[{1 if size == 'n_H' else 2}].",
                    f"{size} = {got.value}, {other} = {ctx.int_value(other)}: 높이와 너비가 바뀌었습니다. "
                    f"{size}는 {prev} = A_prev.shape[{1 if size == 'n_H' else 2}]에서 구합니다.", "swapped-hw")
            causes = [(round(exact) + 1, "round() instead of the floor", "내림 대신 round()"),
                      (math.ceil(exact) + 1, "the ceiling instead of the floor", "내림 대신 올림"),
                      (n + 2 * pad - f + 1, "no division by the stride", "stride로 나누지 않음"),
                      ((n - f) // stride + 1, "the padding left out", "패딩 누락"),
                      ((n + 2 * pad - f) // stride, "the `+ 1` left out", "`+ 1` 누락")]
            cause = next(((en, ko) for value, en, ko in causes if value == got.value), None)
            because_en = f" ({cause[0]})" if cause else ""
            because_ko = f" ({cause[1]})" if cause else ""
            return self.found(
                f"{size} = {got.value}, but floor(({prev} + 2*pad - f) / stride) + 1 = {right}{because_en}: "
                f"with too many positions the last windows run past the input. Use integer division //.",
                f"{size} = {got.value}인데 floor(({prev} + 2*pad - f) / stride) + 1 = {right}입니다{because_ko}: "
                f"위치가 너무 많으면 마지막 창이 입력 밖으로 나갑니다. 정수 나눗셈 //를 쓰세요.")
        return None


def _window_vars(ctx: Context, f: int):
    for name, var in (ctx.facts.locals.items() if ctx.facts else ()):
        if var.shape and len(var.shape) >= 2 and re.search(r"slice|window|win", name) \
                and tuple(var.shape[:2]) != (f, f) and all(s <= f for s in var.shape[:2]):
            yield name, var


class WindowPastEdge(Explainer):
    """A window shorter than f x f: it ran past the edge (fallback when no cause is named)."""
    id = "window-past-edge"
    fallback = True

    def explain(self, ctx: Context) -> Explanation | None:
        f = ctx.int_value("f")
        if f is None:
            return None
        short = next(iter(_window_vars(ctx, f)), None)
        shapes = ctx.shapes_in_message
        if short is None and not any(len(s) >= 2 and min(s[:2]) < f for s in shapes):
            return None
        what = f"`{short[0]}` has shape {short[1].shape}" if short else "a window came out smaller than f x f"
        what_ko = f"`{short[0]}`의 모양이 {short[1].shape}입니다" if short else "창이 f x f보다 작게 잘렸습니다"
        where = ", ".join(f"{n} = {ctx.int_value(n)}" for n in ("vert_start", "vert_end", "horiz_start", "horiz_end")
                          if ctx.int_value(n) is not None)
        where = f" ({where})" if where else ""
        return self.found(
            f"{what}, not ({f}, {f}, ...): the window ran past the edge of the input{where}. A window starts at "
            f"h * stride, ends at start + f, and n_H = floor((n_H_prev + 2*pad - f) / stride) + 1 keeps it inside.",
            f"{what_ko}. ({f}, {f}, ...)가 아닙니다: 창이 입력 밖으로 나갔습니다{where}. 창은 h * stride에서 시작해 "
            f"시작 + f에서 끝나며, n_H = floor((n_H_prev + 2*pad - f) / stride) + 1이면 입력 안에 머뭅니다.")


class AccumulatorShape(Explainer):
    """``slot += value`` (or ``=``) where value's shape does not fit the slot (fallback)."""
    id = "accumulator-shape"
    fallback = True
    pattern = _BROADCAST

    def explain(self, ctx: Context) -> Explanation | None:
        if ctx.assignment is None:
            return None
        target, value = ctx.assignment
        in_place = isinstance(ctx.statement, ast.AugAssign)
        if not isinstance(target, ast.Subscript):
            return None
        shapes = ctx.shapes_in_message
        if len(shapes) < 2:
            return None
        if "could not broadcast input" in ctx.message:        # slot = value
            got, slot = shapes[0], shapes[-1]
        elif in_place and (len(shapes) == 3 or "non-broadcastable output" in ctx.message):
            slot, got = shapes[0], shapes[1]                   # "shapes (slot) (value) (slot)"
        else:
            return None
        channels_en = channels_ko = ""
        if len(got) == len(slot) + 1 or (got and slot and got[-1] != slot[-1]):
            channels_en = " Check the channels: one channel c on each side (e.g. a mask of one channel's window)."
            channels_ko = " 채널을 확인하세요: 양쪽 모두 채널 c 하나여야 합니다(예: 한 채널 창의 마스크)."
        return self.found(
            f"`{ctx.code(target)}` has shape {slot} but `{ctx.code(value)}` has shape {got}: every term added to "
            f"a gradient slot must have the slot's shape.{channels_en}",
            f"`{ctx.code(target)}`의 모양은 {slot}인데 `{ctx.code(value)}`의 모양은 {got}입니다: 기울기 칸에 더하는 "
            f"값은 그 칸과 모양이 같아야 합니다.{channels_ko}")


class OperandShapes(Explainer):
    """Two arrays on the line that numpy cannot combine (fallback: no slot, window or loop mistake named)."""
    id = "operand-shapes"
    fallback = True
    pattern = r"operands could not be broadcast together with shapes \([\d,\s]*\)\s*\([\d,\s]*\)\s*$"

    def explain(self, ctx: Context) -> Explanation | None:
        first, second = ctx.shapes_in_message[:2]
        return self.found(
            f"Two arrays on this line have shapes {first} and {second}, which numpy cannot combine element by "
            f"element. Check which one should be indexed further: dZ[i, h, w, c] is one number, a window is "
            f"(f, f, n_C_prev), one filter W[:, :, :, c] is (f, f, n_C_prev).",
            f"이 줄의 두 배열의 모양이 {first}와 {second}라서 numpy가 원소별로 계산할 수 없습니다. 어느 쪽을 더 "
            f"인덱싱해야 하는지 확인하세요: dZ[i, h, w, c]는 숫자 하나, 창은 (f, f, n_C_prev), 필터 하나 "
            f"W[:, :, :, c]는 (f, f, n_C_prev)입니다.")


def _range_loops(ctx: Context):
    """(loop variable, range argument code) of the ``for v in range(...)`` loops of the function."""
    for node in ast.walk(ctx.function_node or ctx.cell_tree or ast.Module(body=[], type_ignores=[])):
        if isinstance(node, ast.For) and isinstance(node.target, ast.Name) and isinstance(node.iter, ast.Call) \
                and isinstance(node.iter.func, ast.Name) and node.iter.func.id == "range" and node.iter.args:
            yield node.target.id, ctx.code(node.iter.args[-1] if len(node.iter.args) < 3 else node.iter.args[1])


def _bound_value(ctx: Context, bound: str) -> int | None:
    """The value of a range() bound such as ``n_H + 1`` from the frame's ints, if it is that simple."""
    m = re.fullmatch(r"\s*([A-Za-z_]\w*)\s*([+-]\s*\d+)?\s*", bound)
    if not m or ctx.int_value(m.group(1)) is None:
        return None
    return ctx.int_value(m.group(1)) + int((m.group(2) or "0").replace(" ", ""))


class LoopOnePast(Explainer):
    """``for h in range(n_H + 1)``, caught on the extra last pass (whatever error it causes)."""
    id = "loop-bound"

    def explain(self, ctx: Context) -> Explanation | None:
        for var, bound in _range_loops(ctx):
            end = _bound_value(ctx, bound)
            if re.search(r"\+\s*1\b", bound) and end is not None and ctx.int_value(var) == end - 1:
                return self.found(
                    f"`{var}` = {end - 1}: `range({bound})` makes one pass too many, past the last position "
                    f"(range(n) already stops at n - 1). Loop over range(n_H) and range(n_W).",
                    f"`{var}` = {end - 1}: `range({bound})`는 한 번 더 돌아 마지막 위치를 넘어갑니다(range(n)은 이미 "
                    f"n - 1에서 멈춥니다). range(n_H)와 range(n_W)를 도세요.")
        return None


class LoopSwapped(Explainer):
    """h looping over the width (or w over the height): shows only on non-square inputs."""
    id = "swapped-hw"

    def explain(self, ctx: Context) -> Explanation | None:
        if ctx.int_value("n_H") is None or ctx.int_value("n_H") == ctx.int_value("n_W"):
            return None
        for var, bound in _range_loops(ctx):
            other = "W" if re.match(r"(h|vert|row)", var) else ("H" if re.match(r"(w|horiz|col)", var) else "")
            if other and re.search(rf"\bn_{other}\b|shape\[{2 if other == 'W' else 1}\]", bound):
                return self.found(
                    f"`{var}` runs over `range({bound})`, the other axis: height and width are swapped (this shows only "
                    f"on non-square inputs). h goes with n_H (axis 1), w with n_W (axis 2).",
                    f"`{var}`가 다른 축의 `range({bound})`를 돕니다: 높이와 너비가 바뀌었습니다(정사각형이 아닌 입력에서만 "
                    f"드러납니다). h는 n_H(1번 축), w는 n_W(2번 축)와 짝입니다.")
        return None


class IndexPastAxis(Explainer):
    """IndexError: an index past the end of an axis (fallback when no loop mistake is named)."""
    id = "loop-bound"
    fallback = True
    types = ("IndexError",)
    pattern = r"index -?\d+ is out of bounds for axis \d+ with size \d+"

    def explain(self, ctx: Context) -> Explanation | None:
        index, axis, size = re.search(r"index (-?\d+) is out of bounds for axis (\d+) with size (\d+)",
                                      ctx.message).groups()
        var = next((v for v, _ in _range_loops(ctx) if str(ctx.int_value(v)) == index and v in ctx.names_in_line),
                   None)
        who = f"`{var}` = {index}" if var else f"index {index}"
        who_ko = f"`{var}` = {index}" if var else f"인덱스 {index}"
        return self.found(
            f"{who}, but axis {axis} of the indexed array has only {size} entries: check the loop bounds and which "
            f"axis each index goes to ((m, n_H, n_W, n_C): height is axis 1, width axis 2).",
            f"{who_ko}인데 인덱싱한 배열의 {axis}번 축에는 원소가 {size}개뿐입니다: 반복 범위와 각 인덱스가 어느 축인지 "
            f"확인하세요((m, n_H, n_W, n_C): 높이는 1번, 너비는 2번 축).")


class PadWidthAxes(Explainer):
    """np.pad with a pad_width that does not have one (before, after) pair per axis."""
    id = "pad-width-axes"
    pattern = r"could not be broadcast together with remapped shapes"

    def explain(self, ctx: Context) -> Explanation | None:
        if "pad(" not in ctx.line_text:
            return None
        return self.found(
            "np.pad needs one (before, after) pair per axis of X: X is (m, n_H, n_W, n_C), so give four pairs, "
            "((0, 0), (pad, pad), (pad, pad), (0, 0)).",
            "np.pad에는 X의 축마다 (앞, 뒤) 쌍이 하나씩 필요합니다: X는 (m, n_H, n_W, n_C)이므로 네 쌍 "
            "((0, 0), (pad, pad), (pad, pad), (0, 0))을 주세요.")


class EmptyWindowReduction(Explainer):
    """np.max / np.min of an empty window (fallback when no loop or size mistake is named)."""
    id = "window-past-edge"
    fallback = True
    pattern = r"zero-size array to reduction operation"

    def explain(self, ctx: Context) -> Explanation | None:
        return self.found(
            "The window is empty: its start is already past the edge of the input. Windows start at h * stride "
            "with h in range(n_H), n_H = floor((n_H_prev - f) / stride) + 1.",
            "창이 비어 있습니다: 시작 위치가 이미 입력 밖입니다. 창은 h * stride에서 시작하고 h는 range(n_H), "
            "n_H = floor((n_H_prev - f) / stride) + 1입니다.")


class TooManyIndices(Explainer):
    """Indexing an example (3 axes) as if it were the whole batch (4 axes)."""
    id = "too-many-indices"
    types = ("IndexError",)
    pattern = r"too many indices for array"

    def explain(self, ctx: Context) -> Explanation | None:
        dims = re.search(r"array is (\d+)-dimensional, but (\d+) were indexed", ctx.message)
        if not dims:
            return None
        ndim, used = int(dims.group(1)), int(dims.group(2))
        name = next((n for n in ctx.names_in_line if (v := ctx.var(n)) is not None and v.shape is not None
                     and len(v.shape) == ndim), None)
        shown = f"`{name}` {ctx.var(name).shape}" if name else ""
        return self.found(
            f"{shown or 'This array'} has {ndim} axes but is indexed with {used}. One example A_prev[i] is (n_H, n_W, n_C): "
            f"do not index it with i again.",
            f"{shown or '이 배열'}의 축은 {ndim}개인데 인덱스를 {used}개 썼습니다. 예제 하나 A_prev[i]는 (n_H, n_W, n_C)입니다: "
            f"i로 다시 인덱싱하지 마세요.")


#: Asked in this order, after the engine's generic explainers.
EXPLAINERS = [CacheUnpack(), UnpadMinusPad(), WindowFromUnpadded(), OutputSizeFormula(), LoopOnePast(),
              LoopSwapped(), TooManyIndices(), PadWidthAxes(), IndexPastAxis(), WindowPastEdge(),
              EmptyWindowReduction(), AccumulatorShape(), OperandShapes()]
