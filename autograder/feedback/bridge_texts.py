"""Student-facing texts of the nbgrader pipeline (repairs, grade cells, feedback page), English and Korean."""
from __future__ import annotations

_TEXT = {
    "renamed": (
        "Your notebook was submitted as '{got}' instead of '{expected}'; it was graded as '{expected}'.",
        "노트북이 '{expected}' 대신 '{got}' 이름으로 제출되어, '{expected}'로 간주하고 채점했습니다."),
    "unreadable": (
        "The submitted file '{name}' could not be read as a notebook ({reason}); "
        "it was graded as an empty submission.",
        "제출한 파일 '{name}'을(를) 노트북으로 읽을 수 없어({reason}) 빈 제출물로 채점했습니다."),
    "missing_notebook": (
        "No notebook '{expected}' was submitted; it was graded as an empty submission.",
        "'{expected}' 노트북이 제출되지 않아 빈 제출물로 채점했습니다."),
    "locked_edited": (
        "You changed cells that must stay as released ({cells}); the grader used the released version of them.",
        "수정하면 안 되는 셀({cells})이 바뀌어 있어, 배포된 원래 내용으로 채점했습니다."),
    "cells_deleted": (
        "Cells of the assignment are missing from your notebook ({cells}); "
        "your work was graded on the cells that remain.",
        "과제의 일부 셀({cells})이 노트북에서 삭제되어, 남아 있는 셀로 채점했습니다."),
    "timeout": (
        "Grading this submission took longer than the limit of {seconds:g} s and was stopped; "
        "every question scores zero. Ask your instructor for a re-grade if you think this is wrong.",
        "이 제출물의 채점이 제한 시간 {seconds:g}초를 넘어 중단되었고, 모든 문제가 0점입니다. "
        "잘못되었다고 생각하면 담당 교수/조교에게 재채점을 요청하세요."),
    "grader_failed": (
        "The grader could not grade this submission ({detail}); every question scores zero for now. "
        "Please tell your instructor.",
        "채점기가 이 제출물을 채점하지 못했습니다({detail}). 현재 모든 문제가 0점이니 담당 교수/조교에게 알려 주세요."),
    "cell_added": (
        "The check cell of this question was missing from your notebook; the grader added it back to record "
        "your score.",
        "이 문제의 확인 셀이 노트북에서 삭제되어 있어, 점수를 기록하려고 채점기가 다시 추가했습니다."),
    "not_in_policy": (
        "This cell is not a question of grading.yml; it was not graded automatically.",
        "이 셀은 grading.yml의 문제가 아니어서 자동 채점하지 않았습니다."),
    "header": (
        "**Graded by the course's hidden tests** in a sandbox ({sandbox}). Your code was not run in this "
        "notebook's kernel; the score and the explanation of each question are shown under its check cell.",
        "**수업의 숨겨진 테스트로 채점했습니다** (샌드박스 {sandbox}). 코드는 이 노트북의 커널에서 실행되지 않았으며, "
        "각 문제의 점수와 설명은 해당 확인 셀 아래에 있습니다."),
    "metadata_restored": (
        "The grading metadata of some cells differed from the released notebook ({cells}); "
        "the released metadata was used.",
        "일부 셀({cells})의 채점 정보(metadata)가 배포된 노트북과 달라, 배포된 채점 정보로 채점했습니다."),
    "format_repaired": (
        "Parts of your notebook did not follow the notebook file format ({cells}); they were removed "
        "(metadata or outputs only, never your code) so that it could be graded.",
        "노트북의 일부({cells})가 노트북 파일 형식에 맞지 않아, 채점할 수 있도록 그 부분(코드가 아닌 metadata나 "
        "출력)을 제거했습니다."),
    "foreign_cells": (
        "Some cells were marked as graded cells of the assignment but are not part of it ({cells}); "
        "they were graded as ordinary cells.",
        "과제에 없는 셀({cells})이 채점 셀로 표시되어 있어, 일반 셀로 간주하고 채점했습니다."),
    "duplicate_cells": (
        "Some graded cells appear more than once in your notebook ({cells}); the copy that was kept "
        "as the graded cell is the last one (or the unchanged one), the others were graded as ordinary cells.",
        "일부 채점 셀({cells})이 노트북에 두 번 이상 있어, 마지막(또는 바뀌지 않은) 셀을 채점 셀로 두고 "
        "나머지는 일반 셀로 채점했습니다."),
    "links_removed": (
        "Some entries of your submission folder were not regular files (links, pipes, devices or hard links to "
        "files elsewhere: {names}); they were removed and not graded.",
        "제출 폴더의 일부 항목({names})이 일반 파일이 아니어서(링크, 파이프, 장치 파일, 다른 곳의 파일을 가리키는 "
        "하드 링크) 삭제했으며 채점하지 않았습니다."),
    "folder_link": (
        "Your submission folder was a link to another folder, not a folder of files; it was graded as an empty "
        "submission. Ask your instructor to collect your files again.",
        "제출 폴더가 실제 파일이 든 폴더가 아니라 다른 폴더를 가리키는 링크여서 빈 제출물로 채점했습니다. "
        "담당 교수/조교에게 파일을 다시 수집해 달라고 요청하세요."),
    "index_title": ("Your score per question", "문제별 점수"),
    "index_question": ("Question", "문제"),
    "index_score": ("Score", "점수"),
    "index_look_at": ("What to look at", "확인할 점"),
    "index_full": ("all tests passed", "모든 테스트 통과"),
    "index_total": ("Total", "합계"),
    "notes_title": ("Notes from the grader", "채점 참고 사항"),
    "score": ("Score", "점수"),
}


def say(key: str, lang: str, **kwargs) -> str:
    en, ko = _TEXT[key]
    return (ko if lang == "ko" else en).format(**kwargs)

