"""Student-facing engine messages in English and Korean.

Feedback from the hidden tests themselves comes from autograder.engine.checks; this
catalog covers what the engine says around them (errors, time-outs, policy).
"""
from __future__ import annotations

_CATALOG = {
    "not_implemented": (
        "not implemented yet: the function still raises NotImplementedError",
        "아직 구현되지 않았습니다: 함수가 여전히 NotImplementedError를 발생시킵니다"),
    "raised": (
        "your function raised {type}: {message}",
        "함수 실행 중 {type} 오류가 발생했습니다: {message}"),
    "raised_where": (
        " (at line {line} of your cell)",
        " (셀의 {line}번째 줄)"),
    "missing": (
        "function {name}() is not defined in the notebook: was its cell deleted, renamed, or did it fail to run?",
        "노트북에 {name}() 함수가 정의되어 있지 않습니다: 셀을 지우거나 이름을 바꾸었거나 셀 실행이 실패하지 않았는지 확인하세요"),
    "timeout": (
        "your function did not finish within {seconds:g} s (infinite loop?); it was stopped",
        "함수가 {seconds:g}초 안에 끝나지 않아 중단했습니다 (무한 루프인가요?)"),
    "given_up": (
        "not run: this function already timed out {strikes} times on earlier tests",
        "실행하지 않음: 이 함수는 앞선 테스트에서 이미 {strikes}번 시간 초과되었습니다"),
    "budget": (
        "not run: the time budget of the whole submission ({seconds:g} s) was used up by earlier tests",
        "실행하지 않음: 앞선 테스트들이 제출물 전체 시간 제한({seconds:g}초)을 모두 사용했습니다"),
    "given_up_failed": (
        "not run: this function already failed on {failures} earlier test(s) (time-out, crash or unreadable "
        "reply), so it is not called again",
        "실행하지 않음: 이 함수는 앞선 테스트 {failures}개에서 이미 실패했으므로(시간 초과, 비정상 종료 또는 읽을 수 "
        "없는 반환값) 다시 호출하지 않습니다"),
    "question_budget": (
        "not run: this question used up its share of the time limit ({seconds:g} s); the other questions keep theirs",
        "실행하지 않음: 이 문항에 배정된 시간({seconds:g}초)을 모두 사용했습니다; 다른 문항의 시간은 그대로 보장됩니다"),
    "crash": (
        "the process running your code died ({detail}); this test scores zero",
        "코드를 실행하던 프로세스가 비정상 종료되었습니다({detail}); 이 테스트는 0점입니다"),
    "protocol": (
        "your function returned something the grader cannot read ({detail})",
        "함수가 채점기가 읽을 수 없는 값을 반환했습니다({detail})"),
    "hidden_check": (
        "a hidden check failed on this test",
        "이 테스트의 숨겨진 검사 중 하나를 통과하지 못했습니다"),
    "grader_error": (
        "the grader itself failed on this test ({detail}); please tell your instructor",
        "채점기 자체의 오류가 발생했습니다({detail}); 담당 교수/조교에게 알려 주세요"),
    "forbidden": (
        "scores zero: {name}() must use numpy only, but it {reason}",
        "0점: {name}()은 numpy만 사용해야 하지만 다음이 확인되었습니다: {reason}"),
    "all_passed": ("all tests passed", "모든 테스트 통과"),
    "some_failed": ("{failed} of {total} tests failed", "{total}개 테스트 중 {failed}개 실패"),
    "cell_error": (
        "code cell {index} raised {type}: {message}; the grader skipped it and went on",
        "{index}번째 코드 셀에서 {type} 오류가 발생해 건너뛰고 계속 채점했습니다: {message}"),
    "load_failed": (
        "your notebook could not be run ({detail})",
        "노트북을 실행할 수 없었습니다({detail})"),
    "top_level_removed": (
        "running your notebook hung or crashed in cell(s) {cells}; your functions were graded "
        "without the notebook's top-level code (demo and check calls)",
        "노트북 실행이 {cells}번째 셀에서 멈추거나 비정상 종료되어, 최상위 코드(예제·확인 호출)를 제외하고 "
        "함수만 채점했습니다"),
    "visible_passed": ("visible check passed", "확인 셀 통과"),
    "visible_failed": ("visible check failed: {message}", "확인 셀 실패: {message}"),
    "visible_missing": (
        "the check cell test_{name} is missing from the notebook (deleted?)",
        "확인 셀 test_{name}이 노트북에 없습니다 (삭제했나요?)"),
    # -- platforms that hand us a folder of uploaded files (Gradescope) ------------------
    "upload_no_notebook": (
        "no Jupyter notebook (.ipynb) was found in your submission{found}; please submit {expected}",
        "제출물에서 Jupyter 노트북(.ipynb)을 찾지 못했습니다{found}. {expected} 파일을 제출해 주세요"),
    "upload_found": (" (it contains: {names})", " (제출된 파일: {names})"),
    "upload_ambiguous": (
        "your submission contains several notebooks ({names}) and the grader cannot tell which one to grade: "
        "submit only your solution notebook, named {expected}",
        "제출물에 노트북이 여러 개({names}) 있어 어느 것을 채점할지 알 수 없습니다. 답안 노트북 하나만 "
        "{expected} 이름으로 제출해 주세요"),
    "upload_chosen": (
        "graded {chosen}; the other notebooks in your submission were ignored: {others}",
        "{chosen} 파일을 채점했습니다. 제출물의 다른 노트북은 채점하지 않았습니다: {others}"),
    "upload_grader_failed": (
        "the grader itself failed ({detail}); this is not a problem with your work: please tell your instructor",
        "채점기 자체에 오류가 발생했습니다({detail}). 여러분의 답안 문제가 아니니 담당 교수/조교에게 알려 주세요"),
}


def say(key: str, lang: str, **values) -> str:
    """The message ``key`` in ``lang`` ('en' or 'ko'), formatted with ``values``."""
    en, ko = _CATALOG[key]
    template = ko if lang == "ko" else en
    return template.format(**values)
