"""Bilingual (English / Korean) message catalog of the hidden-test checks.

``autograder.engine.checks`` builds every student-facing failure message from these
templates, so the wording lives in one place and both languages stay in step.
Engine messages (time-outs, crashes, policy) are in ``autograder.feedback.texts``.

A template value may itself be bilingual: pass a ``Bi(en, ko)`` (or a plain
``(en, ko)`` tuple) and each language picks its own half.
"""
from __future__ import annotations

from typing import NamedTuple, Union


class Bi(NamedTuple):
    """A text in English and Korean."""
    en: str
    ko: str

    def text(self, lang: str) -> str:
        return self.ko if lang == "ko" else self.en


#: A text: one string for both languages, or an (en, ko) pair.
Text = Union[str, Bi, tuple]


def _is_bi(value) -> bool:
    return isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, str) for v in value)


def pick(value, lang: str) -> str:
    """The ``lang`` half of a bilingual value; other values are str()'d."""
    if _is_bi(value):
        return value[1] if lang == "ko" else value[0]
    return str(value)


def bi(value) -> Bi:
    """Normalise a Text to a Bi."""
    if isinstance(value, Bi):
        return value
    if isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, str) for v in value):
        return Bi(*value)
    return Bi(str(value), str(value))


CATALOG: dict[str, tuple[str, str]] = {
    # --- headers ------------------------------------------------------------
    "wrong_values": ("{what}: wrong values.", "{what}: 값이 틀렸습니다."),
    "wrong_value": ("{what}: wrong value.", "{what}: 값이 틀렸습니다."),
    "wrong_shape": ("{what}: wrong shape.", "{what}: 모양(shape)이 틀렸습니다."),
    "wrong_type": ("{what}: wrong type.", "{what}: 자료형이 틀렸습니다."),
    "wrong_dtype": ("{what}: wrong dtype.", "{what}: dtype이 틀렸습니다."),
    "not_scalar": ("{what}: expected a scalar (a single number).",
                   "{what}: 스칼라(숫자 하나)를 반환해야 합니다."),
    "not_int": ("{what}: expected an int.", "{what}: int(정수)를 반환해야 합니다."),
    "wrong_count": ("{what}: expected a tuple of {n} values {names}, got {got}.",
                    "{what}: {names} {n}개의 값으로 된 튜플이어야 하는데 {got}입니다."),
    "modified": ("{func} changed its argument `{name}`. A function must not modify its inputs "
                 "(the caller still needs them): work on a copy, e.g. `x = x.copy()`, or build a new array.",
                 "{func}이(가) 인자 `{name}`을(를) 변경했습니다. 함수는 입력을 바꾸면 안 됩니다"
                 "(호출한 쪽에서 계속 사용합니다): `x = x.copy()`처럼 복사본을 쓰거나 새 배열을 만드세요."),
    # --- detail lines ---------------------------------------------------------
    "input": ("Input:", "입력:"),
    "expected": ("Expected: {value}", "기대한 값: {value}"),
    "got": ("Got:      {value}", "받은 값:   {value}"),
    "expected_shape": ("Expected shape {expected}, got shape {got}.",
                       "기대한 모양은 {expected}인데 받은 모양은 {got}입니다."),
    "expected_type": ("Expected {expected}; your function returned {got}.",
                      "{expected}이(가) 필요한데 함수가 {got}을(를) 반환했습니다."),
    "expected_floating": ("Expected an array of floating-point numbers (float32 or float64); got dtype {dtype}.",
                          "실수(float32 또는 float64) 배열이어야 하는데 dtype이 {dtype}입니다."),
    "first_wrong": ("First wrong element at index {index}: expected {expected}, got {got}.",
                    "처음 틀린 원소: 인덱스 {index}, 기대값 {expected}, 받은 값 {got}."),
    "n_wrong": ("{bad} of {total} elements are wrong; largest absolute error {err} "
                "(allowed: |got - expected| <= {atol:g} + {rtol:g}*|expected|, {kind} tolerance).",
                "{total}개 원소 중 {bad}개가 틀렸습니다; 최대 절대 오차 {err} "
                "(허용: |받은 값 - 기대값| <= {atol:g} + {rtol:g}*|기대값|, {kind} 허용 오차)."),
    "n_wrong_exact": ("{bad} of {total} elements are wrong; largest absolute error {err} (values must be exact).",
                      "{total}개 원소 중 {bad}개가 틀렸습니다; 최대 절대 오차 {err} (값이 정확히 같아야 합니다)."),
    "scalar_wrong": ("Expected {expected}, got {got} (absolute error {err}; allowed {allowed:.3g}).",
                     "기대값 {expected}, 받은 값 {got} (절대 오차 {err}; 허용 {allowed:.3g})."),
    "has_nan": ("Your result contains {count} NaN value(s), e.g. at index {index}.",
                "결과에 NaN이 {count}개 있습니다(예: 인덱스 {index})."),
    "equal_mismatch": ("Expected {expected}, got {got}.", "기대값 {expected}, 받은 값 {got}."),
    "changed_at": ("First changed element at index {index}: was {before}, now {after}.",
                   "처음 바뀐 원소: 인덱스 {index}, 원래 {before}, 호출 후 {after}."),
    "changed_value": ("Before the call: {before}; after: {after}.",
                      "호출 전: {before}; 호출 후: {after}."),
    "hint": ("Hint: {text}", "힌트: {text}"),
    # --- value descriptions ---------------------------------------------------
    "d_none": ("None (did you forget `return`?)", "None (`return`을 빠뜨리지 않았나요?)"),
    "d_unsupported": ("a value of type {type} that the grader cannot check",
                      "채점기가 검사할 수 없는 {type} 자료형의 값"),
    "d_array": ("a numpy array of shape {shape} and dtype {dtype}",
                "모양 {shape}, dtype {dtype}인 numpy 배열"),
    "d_summary": ("array of shape {shape}, dtype {dtype}, min {min}, max {max}, mean {mean}",
                  "모양 {shape}, dtype {dtype}인 배열, 최솟값 {min}, 최댓값 {max}, 평균 {mean}"),
    "d_empty": ("empty array of shape {shape}, dtype {dtype}", "모양 {shape}, dtype {dtype}인 빈 배열"),
    "d_tuple": ("a tuple of length {n}", "길이 {n}인 튜플"),
    "d_list": ("a list of length {n}", "길이 {n}인 리스트"),
    "d_dict": ("a dict with keys {keys}", "키가 {keys}인 dict"),
    "d_scalar": ("{type} {value}", "{type} {value}"),
    "d_other": ("a value of type {type}", "{type} 자료형의 값"),
    # --- expected-kind descriptions -------------------------------------------
    "k_array": ("a numpy array", "numpy 배열"),
    "k_scalar": ("a scalar (Python int/float, numpy scalar or 0-d array)",
                 "스칼라(Python int/float, numpy 스칼라 또는 0차원 배열)"),
    "k_int": ("an int", "int(정수)"),
    "k_tuple": ("a tuple", "튜플"),
    "k_dict": ("a dict", "dict"),
    "k_any": ("a value of type {types}", "{types} 자료형의 값"),
}


def say(key: str, lang: str, **values) -> str:
    """Template ``key`` in ``lang``, with bilingual values picked per language."""
    en, ko = CATALOG[key]
    template = ko if lang == "ko" else en
    return template.format(**{k: pick(v, lang) if _is_bi(v) else v for k, v in values.items()})


def both(key: str, **values) -> Bi:
    """Template ``key`` in both languages."""
    return Bi(say(key, "en", **values), say(key, "ko", **values))
