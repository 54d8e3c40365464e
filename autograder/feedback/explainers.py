"""The registry of explainers (see autograder.feedback.explain) and those about values, names and
control flow: placeholders, float()/int() of arrays, dtypes, names the grader lacks,
recursion and time limits.  They know Python and numpy, not an exercise: an assignment's own explainers
(its variable names, its cache layout) live in its source folder (``explainers:`` in grading.yml).
"""
from __future__ import annotations

import ast
import difflib
import re

from .explain import Context, Explainer, Explanation

_NONE = r"NoneType|'None'|'ellipsis'"


def _placeholder_line(ctx: Context, name: str, lang: str = "en") -> str | None:
    """Where ``name = None`` / ``name = ...`` is in the function: "line 9: `n_H = None`", if it is there."""
    for node in ctx.assignments(name):
        value = getattr(node, "value", None)
        if isinstance(value, ast.Constant) and (value.value is None or value.value is Ellipsis):
            code = ctx.source_line(node.lineno)
            return f"{node.lineno}번째 줄 `{code}`" if lang == "ko" else f"line {node.lineno}: `{code}`"
    return None


class Placeholder(Explainer):
    """A ``None`` / ``...`` placeholder used in arithmetic, indexing, range(), ..."""
    id = "placeholder"
    pattern = _NONE

    def explain(self, ctx: Context) -> Explanation | None:
        names = [n for n in ctx.names_in_line if (v := ctx.var(n)) is not None and v.is_placeholder]
        if not names:
            names = [n for n in ctx.names_in_line if ctx.var(n) is None and _placeholder_line(ctx, n)]
        if not names:
            if ctx.facts is None:
                return None
            return self.found(
                "A value on this line is None (or ...): a placeholder left in your code, or a function that does not "
                "`return` its result. Replace it with the real computation.",
                "이 줄의 값 중 하나가 None(또는 ...)입니다: 코드에 남은 자리표시자이거나 결과를 `return`하지 않는 "
                "함수입니다. 실제 계산으로 바꾸세요.")
        shown = ", ".join(f"`{n}`" for n in names)
        first = next((n for n in names if _placeholder_line(ctx, n)), None)
        where_en = f" (set on {_placeholder_line(ctx, first)})" if first else ""
        where_ko = f" ({_placeholder_line(ctx, first, 'ko')}에서 설정)" if first else ""
        one = len(names) == 1
        return self.found(
            f"{shown} {'is still a placeholder' if one else 'are still placeholders'} (None or ...){where_en}: "
            f"compute {'it' if one else 'them'} before this line uses {'it' if one else 'them'}.",
            f"{shown}이(가) 아직 자리표시자(None 또는 ...)입니다{where_ko}: 이 줄에서 쓰기 전에 값을 계산하세요.")


class FloatOfArray(Explainer):
    """float(b) / int(x) on an array with ndim > 0 (NumPy 2.4 raises TypeError)."""
    id = "float-of-array"
    types = ("TypeError",)
    pattern = r"only (0-dimensional|length-1|size-1|integer scalar) arrays"

    def explain(self, ctx: Context) -> Explanation | None:
        call, arg = None, None
        for node in ast.walk(ctx.statement or ast.Module(body=[], type_ignores=[])):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("float", "int") \
                    and node.args:
                call, arg = node.func.id, node.args[0]
        shown = f"`{call}({ctx.code(arg)})`" if call else "float()/int()"
        shape = shape_ko = ""
        if arg is not None:
            for n in ast.walk(arg):
                if isinstance(n, ast.Name) and (v := ctx.var(n.id)) is not None and v.shape:
                    shape, shape_ko = f" (`{n.id}` has shape {v.shape})", f"(`{n.id}`의 모양 {v.shape})"
                    break
        return self.found(
            f"{shown} converts an array{shape} to a number; NumPy 2.4 allows that only for 0-d arrays. "
            f"Use `.item()`, `np.squeeze(...)` or index down to one element, e.g. `b[0, 0, 0]`.",
            f"{shown}는 배열{shape_ko}을 숫자로 바꾸는데 NumPy 2.4에서는 0차원 배열만 됩니다. "
            f"`.item()`, `np.squeeze(...)`를 쓰거나 `b[0, 0, 0]`처럼 원소 하나로 인덱싱하세요.")


class FloatSize(Explainer):
    """A size or position computed with `/` (a float) used in range(), a slice or an index."""
    id = "float-size"
    pattern = (r"'float' object cannot be interpreted as an integer|slice indices must be integers"
               r"|only integers, slices|cannot be interpreted as an integer")

    def explain(self, ctx: Context) -> Explanation | None:
        names = [n for n in ctx.names_in_line if (v := ctx.var(n)) is not None
                 and (v.kind == "float" or (v.kind == "scalar" and (v.dtype or "").startswith("float")))]
        if not names and "'float'" not in ctx.message:
            return None
        shown = ", ".join(f"`{n}` = {ctx.var(n).value!r}" for n in names)
        return self.found(
            f"{shown or 'a size or position'} is a float: `/` always gives a float, but sizes, range() and slices "
            f"need ints. Use integer division `//` (or int(...)).",
            f"{shown or '크기나 위치'}이(가) 실수(float)입니다: `/`는 항상 실수를 만들지만 크기, range(), 슬라이스에는 정수가 필요합니다. "
            f"정수 나눗셈 `//`(또는 int(...))를 쓰세요.")


class ArrayIntoElement(Explainer):
    """Storing an array into a single element: ``Z[i, h, w, c] = <array>``."""
    id = "array-into-element"
    types = ("ValueError", "TypeError")
    pattern = r"setting an array element with a sequence"

    def explain(self, ctx: Context) -> Explanation | None:
        if ctx.assignment is None:
            return None
        target, value = ctx.assignment
        return self.found(
            f"`{ctx.code(target)}` holds one number, but `{ctx.code(value)}` is an array. Reduce it to one "
            f"number first (np.sum, np.max, np.mean, or a helper that returns a scalar).",
            f"`{ctx.code(target)}`에는 숫자 하나가 들어가는데 `{ctx.code(value)}`는 배열입니다. 먼저 숫자 하나로 "
            f"줄이세요(np.sum, np.max, np.mean 또는 스칼라를 반환하는 도우미 함수).")


class IntegerArray(Explainer):
    """In-place float arithmetic on an integer array."""
    id = "integer-array"
    pattern = r"Cannot cast ufunc '\w+' output from dtype\('\w+'\) to dtype\('(int|uint|bool)\w*'\)"

    def explain(self, ctx: Context) -> Explanation | None:
        slot = ctx.assignment[0] if ctx.assignment else None
        target = ctx.code(slot) or "..."
        base = slot.value if isinstance(slot, ast.Subscript) else slot
        var = ctx.var(base.id) if isinstance(base, ast.Name) else None
        dtype = var.dtype if var and var.dtype else re.search(r"to dtype\('(\w+)'\)", ctx.message).group(1)
        return self.found(
            f"`{target}` belongs to an integer array (dtype {dtype}), which cannot hold the float result. "
            f"Create it with floats: np.zeros(shape) (float by default), not dtype=int or zeros_like of an int array.",
            f"`{target}`은(는) 정수 배열(dtype {dtype})이라 실수 결과를 담을 수 없습니다. 실수 배열로 만드세요: "
            f"dtype=int나 정수 배열의 zeros_like가 아니라 np.zeros(shape)(기본이 float)를 쓰세요.")


class NumpyAlias(Explainer):
    """np.int, np.float... were removed in NumPy 1.24."""
    id = "numpy-alias"
    types = ("AttributeError",)
    pattern = r"module 'numpy' has no attribute '(int|float|bool|object|str|complex|long|unicode)'"

    def explain(self, ctx: Context) -> Explanation | None:
        alias = re.search(self.pattern, ctx.message).group(1)
        return self.found(
            f"`np.{alias}` was removed from NumPy (1.24): write `{alias}` or a sized type such as `np.{alias}64`.",
            f"`np.{alias}`는 NumPy 1.24에서 없어졌습니다: `{alias}` 또는 `np.{alias}64` 같은 자료형을 쓰세요.")


class NotebookOnlyName(Explainer):
    """A name that exists in the student's Jupyter session but not when the notebook runs fresh."""
    id = "notebook-only-name"
    types = ("NameError", "UnboundLocalError")
    pattern = r"name '\w+' is not defined"

    def explain(self, ctx: Context) -> Explanation | None:
        name = re.search(r"name '(\w+)' is not defined", ctx.message).group(1)
        if name in ("np", "numpy"):
            return self.found("numpy is not imported: put `import numpy as np` in the first code cell.",
                              "numpy를 import하지 않았습니다: 첫 코드 셀에 `import numpy as np`를 넣으세요.")
        cell = ctx.top_level_definitions.get(name)
        if cell is not None:
            return self.found(
                f"`{name}` is defined at the top of cell {cell + 1}, which did not run when your function was graded "
                f"(a check cell, or a cell that raised). Pass it as an argument or compute it inside the function.",
                f"`{name}`은(는) {cell + 1}번째 셀의 최상위에서 정의되는데, 채점할 때 그 셀은 실행되지 않았습니다"
                f"(확인 셀이거나 오류가 난 셀). 인자로 넘기거나 함수 안에서 계산하세요.")
        known = list(ctx.top_level_definitions) + list(ctx.notebook_names)
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.7)
        if close:
            return self.found(
                f"`{name}` is not defined anywhere in your notebook; did you mean `{close[0]}`? "
                f"(a renamed helper or a typo: use the name the notebook defines)",
                f"`{name}`은(는) 노트북 어디에도 정의되어 있지 않습니다; `{close[0]}`을(를) 뜻했나요? "
                f"(이름을 바꾼 도우미 함수나 오타: 노트북이 정의하는 이름을 쓰세요)")
        return self.found(
            f"`{name}` exists only in your Jupyter session (a cell you later changed or deleted): the grader runs "
            f"the notebook from top to bottom in a fresh process. Define it in the notebook or inside the function.",
            f"`{name}`은(는) 여러분의 Jupyter 세션에만 있습니다(나중에 바꾸거나 지운 셀): 채점기는 새 프로세스에서 "
            f"노트북을 위에서부터 실행합니다. 노트북이나 함수 안에서 정의하세요.")


class UnpackCount(Explainer):
    """``(a, b, c, d) = cache`` with the wrong number of names (fallback).  An assignment that knows what its
    tuples hold subclasses this with ``fallback = False`` and its own :meth:`words`."""
    id = "unpack-count"
    fallback = True
    types = ("ValueError", "TypeError")
    pattern = r"(not enough|too many) values to unpack|cannot unpack non-iterable"

    def words(self, line: str, has: str) -> tuple[str, str]:
        """(en, ko) for the line ``line`` that unpacks wrongly; ``has`` says what the unpacked value holds."""
        return (f"`{line}` unpacks the wrong number of values{has}: give one name per entry, in the order "
                f"they were packed.",
                f"`{line}`에서 꺼내는 값의 개수가 맞지 않습니다{has}: 담긴 순서대로 항목마다 이름을 하나씩 주세요.")

    def explain(self, ctx: Context) -> Explanation | None:
        if "non-iterable NoneType" in ctx.message:
            return None   # the placeholder explainer's case
        source = ctx.code(ctx.assignment[1]) if ctx.assignment else ""
        var = ctx.var(source) if source.isidentifier() else None
        size = var.length if var is not None and var.length is not None else (var.shape if var is not None else None)
        has = f" (`{source}`: {size})" if size is not None else ""
        return self.found(*self.words(ctx.line_text, has))


class MissingKey(Explainer):
    """``hparameters["pad"]`` on a dict that has no such key."""
    id = "missing-key"
    types = ("KeyError",)

    def explain(self, ctx: Context) -> Explanation | None:
        key = ctx.message.strip("'\"")
        for name in ctx.names_in_line:
            var = ctx.var(name)
            if var is not None and var.kind == "dict" and var.keys is not None and key not in var.keys:
                return self.found(
                    f"`{name}` has no key {key!r}; its keys are {list(var.keys)}.",
                    f"`{name}`에는 {key!r} 키가 없습니다; 키는 {list(var.keys)}입니다.")
        return None


class ShapeCalled(Explainer):
    """``A.shape(1)``: shape is an attribute."""
    id = "shape-called"
    types = ("TypeError",)
    pattern = r"'tuple' object is not callable"

    def explain(self, ctx: Context) -> Explanation | None:
        called = re.search(r"([A-Za-z_]\w*)\s*\.\s*shape\s*\(\s*([^)]*)\)", ctx.line_text)
        if called is None:
            return None
        name, axis = called.group(1), called.group(2).strip() or "0"
        return self.found(f"`.shape` is a tuple, not a method: write `{name}.shape[{axis}]`, not `{name}.shape({axis})`.",
                          f"`.shape`는 메서드가 아니라 튜플입니다: `{name}.shape({axis})`이 아니라 `{name}.shape[{axis}]`로 "
                          f"쓰세요.")


class ShapeNotATuple(Explainer):
    """np.zeros(m, n_H, n_W, n_C): the shape must be one tuple."""
    id = "shape-not-a-tuple"
    types = ("TypeError",)
    pattern = r"Cannot interpret '[^']*' as a data type|(zeros|ones|empty|full)\(\) takes from \d+ to \d+ positional"

    def explain(self, ctx: Context) -> Explanation | None:
        call = re.search(r"np\.(zeros|ones|empty|full)\s*\(", ctx.line_text)
        if not call:
            return None
        name = call.group(1)
        return self.found(
            f"np.{name} takes the shape as one tuple: np.{name}((m, n_H, n_W, n_C)), with two pairs of parentheses; "
            f"its second argument is the dtype.",
            f"np.{name}에는 모양을 튜플 하나로 줍니다: 괄호를 두 겹으로 np.{name}((m, n_H, n_W, n_C)); 두 번째 인자는 "
            f"dtype입니다.")


class DictAttribute(Explainer):
    """hparameters.stride: a dict's entries are read with ["key"]."""
    id = "dict-attribute"
    types = ("AttributeError",)
    pattern = r"'dict' object has no attribute '(\w+)'"

    def explain(self, ctx: Context) -> Explanation | None:
        key = re.search(self.pattern, ctx.message).group(1)
        owner = next((n for n in ctx.names_in_line if (v := ctx.var(n)) is not None and v.kind == "dict"), None)
        if owner is None:       # no facts about the locals: the name written before `.key` on the line
            written = re.search(rf"([A-Za-z_]\w*)\s*\.\s*{re.escape(key)}\b", ctx.line_text)
            owner = written.group(1) if written else "d"
        return self.found(f"`{owner}` is a dict: read its entries with `{owner}[\"{key}\"]`, not `{owner}.{key}`.",
                          f"`{owner}`은(는) dict입니다: `{owner}.{key}`가 아니라 `{owner}[\"{key}\"]`로 읽으세요.")


class ShapeIndex(Explainer):
    """A.shape[4] on a 4-axis array."""
    id = "shape-index"
    types = ("IndexError",)
    pattern = r"tuple index out of range"

    def explain(self, ctx: Context) -> Explanation | None:
        m = re.search(r"(\w+)\.shape\[(-?\d+)\]", ctx.line_text)
        var = ctx.var(m.group(1)) if m else None
        if var is None or var.shape is None:
            return None
        return self.found(
            f"`{m.group(1)}.shape` is {var.shape}: {len(var.shape)} entries, indices 0 to {len(var.shape) - 1}; "
            f"[{m.group(2)}] does not exist. (m, n_H, n_W, n_C): height is [1], width [2], channels [3].",
            f"`{m.group(1)}.shape`는 {var.shape}로 원소가 {len(var.shape)}개(인덱스 0부터 {len(var.shape) - 1}까지)라 "
            f"[{m.group(2)}]는 없습니다. (m, n_H, n_W, n_C): 높이 [1], 너비 [2], 채널 [3].")


class Recursion(Explainer):
    """A function that calls itself without end."""
    id = "recursion"
    types = ("RecursionError",)

    def explain(self, ctx: Context) -> Explanation | None:
        if ctx.facts is None:
            return None
        return self.found(
            f"`{ctx.function}` calls itself again and again (line {ctx.line}: `{ctx.line_text}`) until Python gives "
            f"up. Did a variable or helper get this function's name, or did you mean to call another function?",
            f"`{ctx.function}`이(가) 자기 자신을 끝없이 호출합니다({ctx.line}번째 줄: `{ctx.line_text}`). 변수나 도우미 "
            f"함수에 이 함수의 이름을 붙였거나, 다른 함수를 부르려던 것 아닌가요?")


class TimeLimit(Explainer):
    """Where a call was when it hit the time limit."""
    id = "time-limit"

    def wants(self, ctx: Context) -> bool:
        return ctx.timeout_s is not None and ctx.facts is not None

    def explain(self, ctx: Context) -> Explanation | None:
        loop_en = loop_ko = ""
        if ctx.line_text.startswith("while") or "while " in ctx.code(ctx.function_node):
            loop_en = " Does every `while` loop change its condition on each pass?"
            loop_ko = " 모든 `while` 반복문이 매번 조건을 바꾸나요?"
        return self.found(
            f"It was stopped in `{ctx.function}`, line {ctx.line}: `{ctx.line_text}`.{loop_en}",
            f"`{ctx.function}`의 {ctx.line}번째 줄에서 중단되었습니다: `{ctx.line_text}`.{loop_ko}")


class ReturnsPlaceholder(Explainer):
    """The function returned None / ... (or a tuple holding one): name the placeholder in its source."""
    id = "returns-placeholder"

    def wants(self, ctx: Context) -> bool:
        return ctx.returned is not None and ctx.function_node is not None

    def explain(self, ctx: Context) -> Explanation | None:
        func = ctx.function_node
        returns = [n for n in ast.walk(func) if isinstance(n, ast.Return)]
        if not returns:
            return self.found(f"`{func.name}` has no `return` statement, so it returns None: end it with "
                              f"`return` and the result.",
                              f"`{func.name}`에 `return` 문이 없어 None을 반환합니다: 마지막에 결과를 `return`하세요.")
        value = returns[-1].value
        parts = value.elts if isinstance(value, ast.Tuple) else [value]
        positions = ctx.returned if ctx.returned and isinstance(value, ast.Tuple) else (0,)
        named = {"en": [], "ko": []}
        for k in positions:
            part = parts[k] if k < len(parts) else None
            for lang in named:
                if isinstance(part, ast.Name):
                    where = _placeholder_line(ctx, part.id, lang)
                    named[lang].append(f"`{part.id}`" + (f" ({where})" if where else ""))
                elif part is None or (isinstance(part, ast.Constant) and part.value in (None, Ellipsis)):
                    named[lang].append(f"`{ctx.code(part) or 'None'}`")
        if not named["en"]:
            return None
        return self.found(
            f"`{func.name}` returns {', '.join(named['en'])}, still a placeholder (None or ...): compute it before "
            f"returning.",
            f"`{func.name}`이(가) 아직 자리표시자(None 또는 ...)인 {', '.join(named['ko'])}을(를) 반환합니다: "
            f"반환하기 전에 계산하세요.")


class FunctionNotDefined(Explainer):
    """The graded function does not exist: its cell failed to load, or it has another name."""
    id = "function-not-defined"
    types = ("FunctionMissing",)

    def explain(self, ctx: Context) -> Explanation | None:
        name = ctx.function_name or ""
        pattern = re.compile(rf"^\s*def\s+{re.escape(name)}\s*\(", re.M)
        for index, source in enumerate(ctx.cells):
            if pattern.search(source) and index in ctx.load_errors:
                error = ctx.load_errors[index][:200]
                return self.found(
                    f"The cell defining `{name}` (cell {index + 1}) raised {error} when the notebook ran, so "
                    f"`{name}` was never defined. Fix that error first (run the notebook from the top: "
                    f"Kernel > Restart & Run All).",
                    f"`{name}`을(를) 정의하는 셀({index + 1}번째)이 노트북 실행 중 {error} 오류를 내서 `{name}`이(가) "
                    f"정의되지 않았습니다. 먼저 그 오류를 고치세요(Kernel > Restart & Run All로 처음부터 실행).")
        close = difflib.get_close_matches(name, list(ctx.top_level_definitions), n=1, cutoff=0.6)
        if close:
            return self.found(
                f"Your notebook defines `{close[0]}` but not `{name}`: the grader calls the function by the name "
                f"the assignment gives it.",
                f"노트북에 `{close[0]}`은(는) 있지만 `{name}`은(는) 없습니다: 채점기는 과제에서 정한 이름으로 함수를 "
                f"호출합니다.")
        return None


#: Every explainer, in order of preference.  Add one here to teach the grader a new mistake.
EXPLAINERS: list[Explainer] = [
    Placeholder(), FloatOfArray(), FloatSize(), ArrayIntoElement(), IntegerArray(), NumpyAlias(),
    NotebookOnlyName(), UnpackCount(), MissingKey(), ShapeCalled(), Recursion(), TimeLimit(), ReturnsPlaceholder(),
    FunctionNotDefined(), ShapeNotATuple(), DictAttribute(), ShapeIndex(),
]
